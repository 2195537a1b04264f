//! `pipec graph`: the sample's drawings (snapshots), the collapsing rules
//! checked on the graph itself (each region once per wave, every step in
//! one node, waves joined in order, gates shown once per box), valid and
//! unique ids in both formats, escaping, and the copy in docs/graph.md.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

mod support;

use pipec::export::graph::{self, Format, Graph, Shape};
use pipec::export::{convert, plan_v1::PlanV1};
use pipec::loader::MemoryLoader;
use pipec::modules::Entry;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

fn compile(entries: Vec<PathBuf>, loader: &dyn pipec::loader::Loader, name: &str) -> PlanV1 {
    let entries = entries
        .into_iter()
        .map(|path| Entry {
            path,
            bytes: None,
            name: None,
        })
        .collect();
    let compiled = pipec::workspace::compile_workspace(entries, loader, support::TODAY);
    assert!(
        !compiled.has_errors(),
        "{}",
        pipec::diagnostics::render::to_plain_string(&compiled.diagnostics, &compiled.sources)
    );
    let plan = compiled
        .plans
        .iter()
        .find(|plan| plan.pipeline == name)
        .unwrap();
    convert::to_v1(plan, &compiled.sources)
}

fn sample_plan() -> PlanV1 {
    compile(
        vec![PathBuf::from("examples/sample/services/orders_api.pipe")],
        &support::FsLoader,
        "orders_api",
    )
}

fn in_memory_plan(text: &str) -> PlanV1 {
    let mut loader = MemoryLoader::in_dir("/workspace");
    loader.add("pipec.toml", "");
    loader.add("shop.pipe", text);
    compile(vec![PathBuf::from("shop.pipe")], &loader, "shop")
}

#[test]
fn the_sample_drawn_in_mermaid_and_dot() {
    let graph = graph::from_plan(&sample_plan());
    insta::assert_snapshot!("sample_mermaid", graph::render(&graph, Format::Mermaid));
    insta::assert_snapshot!("sample_dot", graph::render(&graph, Format::Dot));
}

/// The wave (or stage, before production) a node is in, and the node.
fn regions_by_scope(graph: &Graph) -> BTreeMap<String, Vec<String>> {
    let mut scopes: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for node in &graph.nodes {
        if let Some(region) = &node.region {
            let scope = graph.clusters[node.cluster.unwrap()].key.clone();
            scopes.entry(scope).or_default().push(region.clone());
        }
    }
    scopes
}

#[test]
fn the_sample_collapses_to_one_node_per_region_per_wave() {
    let plan = sample_plan();
    let graph = graph::from_plan(&plan);

    // Every step is in exactly one node.
    let mut owners: BTreeMap<&str, usize> = BTreeMap::new();
    for node in &graph.nodes {
        for step in &node.steps {
            *owners.entry(step.as_str()).or_default() += 1;
        }
    }
    assert_eq!(owners.len(), plan.steps.len());
    assert!(owners.values().all(|&count| count == 1));

    // Each (stage or wave, region) of the plan is one node, and only one.
    let mut expected: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for step in &plan.steps {
        if let Some(region) = &step.target.region {
            let scope = match &step.target.wave {
                Some(wave) => format!("{}/{wave}", step.target.stage),
                None => step.target.stage.to_string(),
            };
            expected
                .entry(scope)
                .or_default()
                .insert(region.to_string());
        }
    }
    let drawn = regions_by_scope(&graph);
    for (scope, regions) in &expected {
        let nodes = &drawn[scope];
        assert_eq!(nodes.len(), regions.len(), "{scope}: a region twice");
        assert_eq!(&nodes.iter().cloned().collect::<BTreeSet<_>>(), regions);
    }
    assert_eq!(drawn.len(), expected.len());
    // All 34 regions are deployed by the five production waves, once each.
    let production: Vec<&String> = drawn
        .iter()
        .filter(|(scope, _)| scope.starts_with("production/"))
        .flat_map(|(_, regions)| regions)
        .collect();
    assert_eq!(production.len(), 34);
    assert_eq!(production.iter().collect::<BTreeSet<_>>().len(), 34);
    assert_eq!(plan.regions.len(), 34);

    // Far fewer boxes than steps.
    assert_eq!(plan.steps.len(), 126);
    assert_eq!(
        graph.nodes.len(),
        48,
        "the README says 126 steps become 48 nodes"
    );
}

#[test]
fn consecutive_waves_are_joined_through_the_earlier_waves_bake() {
    let graph = graph::from_plan(&sample_plan());
    let waves = ["first", "second", "third", "fourth", "rest"];
    let node = |key: &str| graph.nodes.iter().position(|node| node.key == key).unwrap();
    for pair in waves.windows(2) {
        let bake = node(&format!("production/{}/bake", pair[0]));
        let next_regions: Vec<usize> = (0..graph.nodes.len())
            .filter(|&idx| {
                graph.nodes[idx]
                    .key
                    .starts_with(&format!("production/{}/", pair[1]))
            })
            .filter(|&idx| graph.nodes[idx].region.is_some())
            .collect();
        assert!(!next_regions.is_empty());
        for region in next_regions {
            assert!(
                graph.edges.contains(&(bake, region)),
                "no edge from {} to {}",
                graph.nodes[bake].key,
                graph.nodes[region].key
            );
        }
    }
    // Production starts after gamma's tests, through the gate hexagon.
    let gates = node("gates:production");
    assert_eq!(graph.nodes[gates].shape, Shape::Gates);
    assert!(graph.edges.contains(&(node("gamma/test/canary"), gates)));
    assert!(
        graph
            .edges
            .contains(&(gates, node("production/first/ap-east-1")))
    );
    assert!(!graph.edges.contains(&(
        node("gamma/test/canary"),
        node("production/first/ap-east-1")
    )));
    // Each edge once.
    assert_eq!(
        graph.edges.iter().collect::<BTreeSet<_>>().len(),
        graph.edges.len()
    );
}

#[test]
fn the_samples_gates_are_listed_once_at_productions_entry() {
    let graph = graph::from_plan(&sample_plan());
    let hexagons: Vec<_> = graph
        .nodes
        .iter()
        .filter(|node| node.shape == Shape::Gates)
        .collect();
    assert_eq!(hexagons.len(), 1);
    assert_eq!(
        hexagons[0].lines,
        vec![
            "before each deploy",
            "not in alarm: high_severity",
            "not in alarm: aws.large_scale_event (overridable)",
            "no package libjson@2.3.1",
            "window business_hours (overridable)",
        ]
    );
    // No region node repeats them.
    assert!(
        graph
            .nodes
            .iter()
            .all(|node| !node.lines.iter().any(|line| line.starts_with("gates:")))
    );
    let first = graph
        .nodes
        .iter()
        .find(|node| node.key == "production/first/ap-east-1")
        .unwrap();
    assert_eq!(first.lines, vec!["ap-east-1", "onebox, bake 1h → 3 AZs"]);
}

/// Ids in Mermaid: `[A-Za-z0-9_]`, each defined once, every edge between
/// defined ids; in DOT every node quoted and defined once.
#[test]
fn ids_are_valid_and_unique_in_both_formats() {
    let graph = graph::from_plan(&sample_plan());
    let mermaid = graph::render(&graph, Format::Mermaid);
    let mut defined = Vec::new();
    let mut edges = 0;
    for line in mermaid.lines().skip(1) {
        let line = line.trim();
        if line.starts_with("%%") || line == "end" {
            continue;
        }
        if let Some(rest) = line.strip_prefix("subgraph ") {
            let id: String = rest.chars().take_while(|ch| *ch != ' ').collect();
            defined.push(id);
        } else if let Some((from, to)) = line.split_once(" --> ") {
            edges += 1;
            for id in [from, to] {
                assert!(
                    defined.iter().any(|defined| defined == id),
                    "{id} undefined"
                );
            }
        } else {
            let id: String = line
                .chars()
                .take_while(|ch| ch.is_ascii_alphanumeric() || *ch == '_')
                .collect();
            assert!(!id.is_empty(), "unexpected line {line}");
            defined.push(id);
        }
    }
    for id in &defined {
        assert!(
            id.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_'),
            "{id}"
        );
        assert!(id.starts_with("n_") || id.starts_with("c_"), "{id}");
    }
    let unique: BTreeSet<&String> = defined.iter().collect();
    assert_eq!(unique.len(), defined.len(), "an id is defined twice");
    assert_eq!(defined.len(), graph.nodes.len() + graph.clusters.len());
    assert_eq!(edges, graph.edges.len());

    let dot = graph::render(&graph, Format::Dot);
    for node in &graph.nodes {
        let definition = format!("\"{}\" [label=", node.key);
        assert_eq!(dot.matches(&definition).count(), 1, "{}", node.key);
    }
    assert_eq!(dot.matches(" -> ").count(), graph.edges.len());
    assert_eq!(
        dot.matches("subgraph \"cluster_").count(),
        graph.clusters.len()
    );
}

#[test]
fn drawing_is_deterministic() {
    let first = graph::render(&graph::from_plan(&sample_plan()), Format::Mermaid);
    let second = graph::render(&graph::from_plan(&sample_plan()), Format::Mermaid);
    assert_eq!(first, second);
}

const CELLS: &str = r#"import "std/aws"

registry shop_aws extends aws {
  region us-east-2 { cells = [use2-cell1, use2-cell2, use2-cell3] }
}

pipeline shop {
  platform = ecs
  alarm high_severity = ALARM("Shop_High")
  build bundle { run = "make" }
  stage gamma { regions = [us-east-1]; deploy bundle }
  production {
    registry = shop_aws
    rollback on high_severity
    window { zone = "UTC"; allow = [mon..fri] }
    wave first { regions = [us-east-2]; by cell { bake = 2h }; bake = 12h }
    wave rest {
      regions = rest
      require approval("release \"captain\" <ops> #1")
      bake = 1h
    }
  }
}
"#;

#[test]
fn gates_sit_at_the_widest_box_all_its_deploys_share() {
    let graph = graph::from_plan(&in_memory_plan(CELLS));
    let hexagon = |key: &str| {
        graph
            .nodes
            .iter()
            .find(|node| node.key == key)
            .unwrap_or_else(|| panic!("no {key}"))
            .lines
            .clone()
    };
    // The window guards every production deploy; the approval only those
    // of wave `rest`.
    assert_eq!(
        hexagon("gates:production"),
        vec!["before each deploy", "window in UTC"]
    );
    assert_eq!(
        hexagon("gates:production/rest"),
        vec![
            "before each deploy",
            "approval by release \"captain\" <ops> #1"
        ]
    );
    let cell_region = hexagon("production/first/us-east-2");
    assert_eq!(cell_region, vec!["us-east-2", "3 cells, bake 2h each"]);
    // Wave `rest` is entered through its hexagon, from wave `first`'s bake.
    let idx = |key: &str| graph.nodes.iter().position(|node| node.key == key).unwrap();
    let rest_gates = idx("gates:production/rest");
    assert!(
        graph
            .edges
            .contains(&(idx("production/first/bake"), rest_gates))
    );
    assert!(
        graph
            .edges
            .contains(&(rest_gates, idx("production/rest/us-east-1")))
    );
}

#[test]
fn labels_are_escaped_for_each_format() {
    let graph = graph::from_plan(&in_memory_plan(CELLS));
    let mermaid = graph::render(&graph, Format::Mermaid);
    assert!(
        mermaid.contains("approval by release #quot;captain#quot; #lt;ops#gt; #35;1"),
        "{mermaid}"
    );
    // Inside a node's quotes, no raw quote but the closing one.
    for line in mermaid.lines().filter(|line| line.contains("{{\"")) {
        let inner = line.split_once("{{\"").unwrap().1;
        assert_eq!(inner.matches('"').count(), 1, "{line}");
    }
    let dot = graph::render(&graph, Format::Dot);
    assert!(
        dot.contains(r#"approval by release \"captain\" <ops> #1"#),
        "{dot}"
    );
}

/// docs/graph.md embeds the sample's Mermaid drawing, so that GitHub shows
/// it; it must be what `pipec graph` draws today.
#[test]
fn the_drawing_in_the_docs_is_current() {
    let docs = std::fs::read_to_string("docs/graph.md").unwrap();
    let start = docs.find("```mermaid\n").unwrap() + "```mermaid\n".len();
    let end = start + docs[start..].find("```").unwrap();
    let drawn = graph::render(&graph::from_plan(&sample_plan()), Format::Mermaid);
    assert_eq!(
        &docs[start..end],
        drawn,
        "update docs/graph.md with `pipec graph examples/sample/services/orders_api.pipe`"
    );
}
