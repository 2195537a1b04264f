//! Where gates are drawn: once per box whose deploys all check them, as a
//! hexagon the box's entering edges pass through; what is left over, on
//! the nodes of the steps that check it.

use super::collapse::is_deploy;
use super::{Graph, Node, Shape, labels};
use crate::export::plan_v1::{PlanV1, Step};
use std::collections::{BTreeMap, BTreeSet};

/// Adds the gate hexagons to `graph` and routes edges through them.
pub(super) fn place(graph: &mut Graph, plan: &PlanV1, steps: &BTreeMap<&str, &Step>) {
    let describe = |id: &str| {
        plan.gates
            .iter()
            .find(|entry| *entry.id == *id)
            .map_or_else(|| id.to_string(), |entry| labels::gate(&entry.gate))
    };
    // Gates shown at a box's entry, by step id.
    let mut covered: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let stages: Vec<usize> = (0..graph.clusters.len())
        .filter(|&idx| graph.clusters.get(idx).is_some_and(|c| c.parent.is_none()))
        .collect();
    for stage in stages {
        let shown = add_scope(
            graph,
            stage,
            &BTreeSet::new(),
            steps,
            &describe,
            &mut covered,
        );
        let waves: Vec<usize> = (0..graph.clusters.len())
            .filter(|&idx| {
                graph
                    .clusters
                    .get(idx)
                    .is_some_and(|c| c.parent == Some(stage))
            })
            .collect();
        for wave in waves {
            add_scope(graph, wave, &shown, steps, &describe, &mut covered);
        }
    }
    // Whatever no hexagon shows goes on the node of the steps that check it.
    for node in &mut graph.nodes {
        let mut left: Vec<String> = Vec::new();
        for id in &node.steps {
            let Some(step) = steps.get(id.as_str()) else {
                continue;
            };
            for gate in &step.gates {
                let shown = covered.get(id).is_some_and(|gates| gates.contains(&**gate));
                if !shown && !left.iter().any(|known| **known == **gate) {
                    left.push(gate.to_string());
                }
            }
        }
        if !left.is_empty() {
            let texts: Vec<String> = left.iter().map(|id| describe(id)).collect();
            node.lines.push(format!("gates: {}", texts.join(", ")));
        }
    }
}

/// Adds a hexagon for the gates every deploy in box `cluster` checks,
/// apart from those `outer` (the enclosing box's hexagon) shows, and
/// returns the gates it shows (with `outer`'s).
fn add_scope(
    graph: &mut Graph,
    cluster: usize,
    outer: &BTreeSet<String>,
    steps: &BTreeMap<&str, &Step>,
    describe: &dyn Fn(&str) -> String,
    covered: &mut BTreeMap<String, BTreeSet<String>>,
) -> BTreeSet<String> {
    let members: Vec<usize> = (0..graph.nodes.len())
        .filter(|&node| graph.contains(cluster, node))
        .collect();
    let deploys: Vec<&Step> = members
        .iter()
        .filter_map(|&node| graph.nodes.get(node))
        .flat_map(|node| node.steps.iter())
        .filter_map(|id| steps.get(id.as_str()).copied())
        .filter(|step| is_deploy(step))
        .collect();
    let Some((first, rest)) = deploys.split_first() else {
        return outer.clone();
    };
    let common: Vec<String> = first
        .gates
        .iter()
        .filter(|gate| !outer.contains(&***gate))
        .filter(|gate| rest.iter().all(|step| step.gates.contains(gate)))
        .map(|gate| gate.to_string())
        .collect();
    let mut shown = outer.clone();
    shown.extend(common.iter().cloned());
    for step in &deploys {
        covered
            .entry(step.id.to_string())
            .or_default()
            .extend(shown.iter().cloned());
    }
    if common.is_empty() {
        return shown;
    }
    let key = graph
        .clusters
        .get(cluster)
        .map_or_else(String::new, |c| c.key.clone());
    let hexagon = graph.nodes.len();
    let mut lines = vec!["before each deploy".to_string()];
    lines.extend(common.iter().map(|id| describe(id)));
    graph.nodes.push(Node {
        key: format!("gates:{key}"),
        lines,
        shape: Shape::Gates,
        cluster: Some(cluster),
        region: None,
        steps: Vec::new(),
    });
    // Edges entering the box now enter the hexagon, which leads on.
    let inside: BTreeSet<usize> = members.into_iter().collect();
    let mut edges = Vec::new();
    let mut seen = BTreeSet::new();
    for &(from, to) in &graph.edges {
        let routed = if inside.contains(&to) && !inside.contains(&from) {
            vec![(from, hexagon), (hexagon, to)]
        } else {
            vec![(from, to)]
        };
        for edge in routed {
            if seen.insert(edge) {
                edges.push(edge);
            }
        }
    }
    graph.edges = edges;
    shown
}
