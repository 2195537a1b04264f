//! Collapsing a plan's steps into the graph's nodes, boxes and edges.

use super::{Cluster, Graph, Node, Shape, gates, labels};
use crate::export::plan_v1::{PlanV1, Step, StepKind, Target};
use std::collections::{BTreeMap, BTreeSet};

/// Stages whose steps stand outside any box: there is one step of each
/// kind per source or build, and a box around it says nothing.
const UNBOXED_STAGES: &[&str] = &["source", "build"];

/// The graph of `plan`, collapsed by the rules in the module's docs.
pub fn from_plan(plan: &PlanV1) -> Graph {
    let mut builder = Builder {
        graph: Graph {
            pipeline: plan.pipeline.clone(),
            nodes: Vec::new(),
            clusters: Vec::new(),
            edges: Vec::new(),
        },
        node_by_key: BTreeMap::new(),
        cluster_by_key: BTreeMap::new(),
    };
    let mut node_of_step: BTreeMap<&str, usize> = BTreeMap::new();
    for step in &plan.steps {
        let node = builder.node_for(step);
        node_of_step.insert(step.id.as_ref(), node);
    }
    let steps_by_id: BTreeMap<&str, &Step> = plan
        .steps
        .iter()
        .map(|step| (step.id.as_ref(), step))
        .collect();
    for node in &mut builder.graph.nodes {
        let steps: Vec<&Step> = node
            .steps
            .iter()
            .filter_map(|id| steps_by_id.get(id.as_str()).copied())
            .collect();
        let (lines, shape) = match (&node.region, steps.as_slice()) {
            (Some(region), _) => (labels::region(region, &steps), Shape::Region),
            (None, [step]) => labels::step(step),
            // A node stands for one step unless it is a region's.
            (None, _) => (vec![node.key.clone()], Shape::Step),
        };
        node.lines = lines;
        node.shape = shape;
    }
    builder.label_waves();
    let mut seen = BTreeSet::new();
    for step in &plan.steps {
        let Some(&to) = node_of_step.get(step.id.as_ref()) else {
            continue;
        };
        for need in &step.needs {
            if let Some(&from) = node_of_step.get(need.as_ref())
                && from != to
                && seen.insert((from, to))
            {
                builder.graph.edges.push((from, to));
            }
        }
    }
    let mut graph = builder.graph;
    gates::place(&mut graph, plan, &steps_by_id);
    graph
}

struct Builder {
    graph: Graph,
    node_by_key: BTreeMap<String, usize>,
    cluster_by_key: BTreeMap<String, usize>,
}

impl Builder {
    /// The node `step` belongs to, created on first use.
    fn node_for(&mut self, step: &Step) -> usize {
        let target = &step.target;
        let key = match &target.region {
            Some(region) => match &target.wave {
                Some(wave) => format!("{}/{wave}/{region}", target.stage),
                None => format!("{}/{region}", target.stage),
            },
            None => step.id.to_string(),
        };
        if let Some(&idx) = self.node_by_key.get(&key) {
            if let Some(node) = self.graph.nodes.get_mut(idx) {
                node.steps.push(step.id.to_string());
            }
            return idx;
        }
        let cluster = self.cluster_for(target);
        let idx = self.graph.nodes.len();
        self.graph.nodes.push(Node {
            key: key.clone(),
            lines: Vec::new(),
            shape: Shape::Step,
            cluster,
            region: target.region.as_deref().map(str::to_string),
            steps: vec![step.id.to_string()],
        });
        self.node_by_key.insert(key, idx);
        idx
    }

    /// The innermost box for `target`: its wave's, else its stage's.
    fn cluster_for(&mut self, target: &Target) -> Option<usize> {
        if UNBOXED_STAGES.contains(&target.stage.as_ref()) {
            return None;
        }
        let stage = self.cluster(target.stage.to_string(), target.stage.to_string(), None);
        match &target.wave {
            Some(wave) => Some(self.cluster(
                format!("{}/{wave}", target.stage),
                format!("wave {wave}"),
                Some(stage),
            )),
            None => Some(stage),
        }
    }

    fn cluster(&mut self, key: String, label: String, parent: Option<usize>) -> usize {
        if let Some(&idx) = self.cluster_by_key.get(&key) {
            return idx;
        }
        let idx = self.graph.clusters.len();
        self.graph.clusters.push(Cluster {
            key: key.clone(),
            label,
            parent,
        });
        self.cluster_by_key.insert(key, idx);
        idx
    }

    /// A wave's title says how many regions it deploys.
    fn label_waves(&mut self) {
        for (idx, cluster) in self.graph.clusters.iter_mut().enumerate() {
            if cluster.parent.is_none() {
                continue;
            }
            let regions = self
                .graph
                .nodes
                .iter()
                .filter(|node| node.cluster == Some(idx) && node.region.is_some())
                .count();
            let noun = if regions == 1 { "region" } else { "regions" };
            cluster.label = format!("{} · {regions} {noun}", cluster.label);
        }
    }
}

/// Whether `step` deploys.
pub(super) fn is_deploy(step: &Step) -> bool {
    step.kind() == StepKind::Deploy
}
