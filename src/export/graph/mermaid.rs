//! Drawing a graph as a Mermaid flowchart, left to right: steps follow
//! each other across the page and the regions of a wave stack down it.

use super::{Entry, Graph, Shape};
use std::collections::BTreeSet;

/// The flowchart, with one definition per node and box, then the edges.
pub(super) fn render(graph: &Graph) -> String {
    let node_ids = unique_ids("n", graph.nodes.iter().map(|node| node.key.as_str()));
    let cluster_ids = unique_ids("c", graph.clusters.iter().map(|c| c.key.as_str()));
    let mut out = format!(
        "flowchart LR\n  %% The plan of pipeline {}, drawn by pipec graph.\n",
        comment_text(&graph.pipeline)
    );
    write_entries(graph, None, 1, &node_ids, &cluster_ids, &mut out);
    for &(from, to) in &graph.edges {
        if let (Some(from), Some(to)) = (node_ids.get(from), node_ids.get(to)) {
            out.push_str(&format!("  {from} --> {to}\n"));
        }
    }
    out
}

fn write_entries(
    graph: &Graph,
    parent: Option<usize>,
    depth: usize,
    node_ids: &[String],
    cluster_ids: &[String],
    out: &mut String,
) {
    let indent = "  ".repeat(depth);
    for entry in graph.entries(parent) {
        match entry {
            Entry::Node(idx) => {
                let (Some(node), Some(id)) = (graph.nodes.get(idx), node_ids.get(idx)) else {
                    continue;
                };
                let label = node
                    .lines
                    .iter()
                    .map(|line| escape(line))
                    .collect::<Vec<_>>()
                    .join("<br/>");
                let (open, close) = match node.shape {
                    Shape::Step | Shape::Region => ("[\"", "\"]"),
                    Shape::Bake => ("([\"", "\"])"),
                    Shape::Test => ("[[\"", "\"]]"),
                    Shape::Approval => ("[/\"", "\"\\]"),
                    Shape::Gates => ("{{\"", "\"}}"),
                };
                out.push_str(&format!("{indent}{id}{open}{label}{close}\n"));
            }
            Entry::Cluster(idx) => {
                let (Some(cluster), Some(id)) = (graph.clusters.get(idx), cluster_ids.get(idx))
                else {
                    continue;
                };
                out.push_str(&format!(
                    "{indent}subgraph {id} [\"{}\"]\n",
                    escape(&cluster.label)
                ));
                write_entries(graph, Some(idx), depth + 1, node_ids, cluster_ids, out);
                out.push_str(&format!("{indent}end\n"));
            }
        }
    }
}

/// Mermaid ids for `keys`: `prefix_` and the key with every character but
/// ASCII letters and digits turned into `_`, and a number added where two
/// keys would meet. The prefix keeps ids off Mermaid's keywords (`end`)
/// and off edge syntax (ids starting with `o` or `x`).
pub(super) fn unique_ids<'a>(prefix: &str, keys: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut taken = BTreeSet::new();
    let mut ids = Vec::new();
    for key in keys {
        let base: String = key
            .chars()
            .map(|ch| if ch.is_ascii_alphanumeric() { ch } else { '_' })
            .collect();
        let base = format!("{prefix}_{base}");
        let mut id = base.clone();
        let mut suffix = 2;
        while !taken.insert(id.clone()) {
            id = format!("{base}_{suffix}");
            suffix += 1;
        }
        ids.push(id);
    }
    ids
}

/// Label text inside `"..."`: Mermaid's entity codes for the characters
/// that would end the label or be read as markup, line breaks as spaces.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '#' => out.push_str("#35;"),
            '"' => out.push_str("#quot;"),
            '&' => out.push_str("#amp;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '`' => out.push_str("#96;"),
            '\n' | '\r' => out.push(' '),
            _ => out.push(ch),
        }
    }
    out
}

/// Text for a `%%` comment, which ends at the line's end.
fn comment_text(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_letters_digits_and_underscores_and_never_collide() {
        let ids = unique_ids("n", ["a/us-east-1", "a/us_east_1", "end"].into_iter());
        assert_eq!(ids, vec!["n_a_us_east_1", "n_a_us_east_1_2", "n_end"]);
    }

    #[test]
    fn labels_escape_quotes_hashes_and_angle_brackets() {
        assert_eq!(
            escape("say \"hi\" #1 <b> & `x`"),
            "say #quot;hi#quot; #35;1 #lt;b#gt; #amp; #96;x#96;"
        );
    }
}
