//! Drawing a graph as Graphviz DOT, left to right, each stage and wave a
//! `cluster_` subgraph. Every id is quoted, so keys are used as they are.

use super::{Entry, Graph, Shape};

/// The digraph.
pub(super) fn render(graph: &Graph) -> String {
    let mut out = format!("digraph {} {{\n", quote(&graph.pipeline));
    out.push_str("  rankdir=LR;\n");
    out.push_str("  node [shape=box, fontname=\"Helvetica\", fontsize=10];\n");
    out.push_str("  edge [arrowsize=0.7];\n");
    write_entries(graph, None, 1, &mut out);
    for &(from, to) in &graph.edges {
        if let (Some(from), Some(to)) = (graph.nodes.get(from), graph.nodes.get(to)) {
            out.push_str(&format!("  {} -> {};\n", quote(&from.key), quote(&to.key)));
        }
    }
    out.push_str("}\n");
    out
}

fn write_entries(graph: &Graph, parent: Option<usize>, depth: usize, out: &mut String) {
    let indent = "  ".repeat(depth);
    for entry in graph.entries(parent) {
        match entry {
            Entry::Node(idx) => {
                let Some(node) = graph.nodes.get(idx) else {
                    continue;
                };
                let label = node
                    .lines
                    .iter()
                    .map(|line| escape(line))
                    .collect::<Vec<_>>()
                    .join("\\n");
                let shape = match node.shape {
                    Shape::Step | Shape::Region => "",
                    Shape::Bake => ", style=rounded",
                    Shape::Test => ", shape=component",
                    Shape::Approval => ", shape=trapezium",
                    Shape::Gates => ", shape=hexagon",
                };
                out.push_str(&format!(
                    "{indent}{} [label=\"{label}\"{shape}];\n",
                    quote(&node.key)
                ));
            }
            Entry::Cluster(idx) => {
                let Some(cluster) = graph.clusters.get(idx) else {
                    continue;
                };
                out.push_str(&format!(
                    "{indent}subgraph {} {{\n",
                    quote(&format!("cluster_{}", cluster.key))
                ));
                out.push_str(&format!("{indent}  label={};\n", quote(&cluster.label)));
                write_entries(graph, Some(idx), depth + 1, out);
                out.push_str(&format!("{indent}}}\n"));
            }
        }
    }
}

/// A DOT quoted string.
pub(super) fn quote(text: &str) -> String {
    format!("\"{}\"", escape(text))
}

/// Text inside a DOT quoted string: backslashes and quotes escaped (so
/// that no `\n`, `\l` or `\N` of the user's turns into a DOT escape), line
/// breaks as spaces.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' | '\r' => out.push(' '),
            _ => out.push(ch),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_strings_escape_quotes_and_backslashes() {
        assert_eq!(quote(r#"a "b" \n"#), r#""a \"b\" \\n""#);
    }
}
