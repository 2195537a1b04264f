//! `pipec graph`: the plan's DAG drawn for people, as a Mermaid flowchart
//! (which GitHub renders in Markdown) or Graphviz DOT.
//!
//! A plan spells out every step (126 for the sample); a drawing of each
//! would be a wall of boxes. The graph is the plan collapsed by rules that
//! keep its shape (`docs/graph.md` shows them on the sample):
//!
//! - **One node per region per wave** (per region per stage before
//!   production): the region's one-box deploy and bake, its AZ or cell
//!   steps and its own bakes become one node, labelled with the region and
//!   a summary such as `onebox, bake 1h → 3 AZs, bake 30m each`.
//! - Every other step (source, build, test, wave or stage bake, approval,
//!   gate step) is a node of its own.
//! - Nodes are grouped in a box per stage and, inside production, per
//!   wave. Source and build steps stand outside any box.
//! - An edge joins two nodes when a step of one needs a step of the other;
//!   edges inside a node disappear, and each edge is drawn once.
//! - **Gates** are listed once, in a hexagon at the entry of the largest
//!   box (stage, else wave) whose deploys all check them; the edges that
//!   enter that box pass through the hexagon. A gate only some deploys of a
//!   wave check is written on their nodes instead.
//!
//! The graph is built from the public plan (`plan_v1`), so that a plan read
//! back from JSON draws the same. Output is deterministic: nodes, boxes and
//! edges come in the plan's step order.

mod collapse;
mod dot;
mod gates;
mod labels;
mod mermaid;

pub use collapse::from_plan;

/// A drawing format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A Mermaid flowchart.
    Mermaid,
    /// A Graphviz digraph.
    Dot,
}

/// A collapsed plan, ready to draw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Graph {
    /// The pipeline drawn.
    pub pipeline: String,
    /// Every node, in the order their first step appears in the plan.
    pub nodes: Vec<Node>,
    /// The boxes nodes are grouped in, each after its parent.
    pub clusters: Vec<Cluster>,
    /// Edges between nodes (indexes into `nodes`), each once, in order.
    pub edges: Vec<(usize, usize)>,
}

/// One node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// A key unique in the graph: the step id for a node of one step,
    /// `STAGE/WAVE/REGION` for a region, `gates:SCOPE` for gates.
    pub key: String,
    /// The label, line by line.
    pub lines: Vec<String>,
    /// How it is drawn.
    pub shape: Shape,
    /// The innermost box it is in, an index into `clusters`.
    pub cluster: Option<usize>,
    /// The region it stands for, for a region node.
    pub region: Option<String>,
    /// The ids of the plan steps it stands for (none for gates).
    pub steps: Vec<String>,
}

/// How a node is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A source, build or gate step: a box.
    Step,
    /// A region's steps: a box.
    Region,
    /// A bake of a whole stage or wave: rounded.
    Bake,
    /// A test.
    Test,
    /// An approval step.
    Approval,
    /// The gates checked at the entry of a box: a hexagon.
    Gates,
}

/// A box of nodes: a stage, or a wave inside production.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cluster {
    /// `STAGE` or `STAGE/WAVE`.
    pub key: String,
    /// Its title.
    pub label: String,
    /// The box it is in.
    pub parent: Option<usize>,
}

/// Draws `graph` in `format`.
pub fn render(graph: &Graph, format: Format) -> String {
    match format {
        Format::Mermaid => mermaid::render(graph),
        Format::Dot => dot::render(graph),
    }
}

/// What stands directly inside a box (or at the top, for `None`), in the
/// order it first appears: nodes and boxes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Entry {
    Node(usize),
    Cluster(usize),
}

impl Graph {
    /// The nodes and boxes directly inside `parent`, ordered by the first
    /// node each holds, so that a drawing reads in plan order; a box's gate
    /// hexagon comes first in it, as its edges do.
    fn entries(&self, parent: Option<usize>) -> Vec<Entry> {
        let mut entries: Vec<((usize, u8), Entry)> = Vec::new();
        for (idx, node) in self.nodes.iter().enumerate() {
            if node.cluster != parent {
                continue;
            }
            let position = match (node.shape, node.cluster) {
                (Shape::Gates, Some(cluster)) => (self.first_node_in(cluster).unwrap_or(idx), 0),
                _ => (idx, 1),
            };
            entries.push((position, Entry::Node(idx)));
        }
        for (idx, cluster) in self.clusters.iter().enumerate() {
            if cluster.parent == parent
                && let Some(first) = self.first_node_in(idx)
            {
                entries.push(((first, 1), Entry::Cluster(idx)));
            }
        }
        entries.sort_by_key(|&(position, _)| position);
        entries.into_iter().map(|(_, entry)| entry).collect()
    }

    /// Whether box `cluster` holds node `node`, directly or in a box inside.
    pub fn contains(&self, cluster: usize, node: usize) -> bool {
        let mut current = self.nodes.get(node).and_then(|node| node.cluster);
        while let Some(idx) = current {
            if idx == cluster {
                return true;
            }
            current = self.clusters.get(idx).and_then(|cluster| cluster.parent);
        }
        false
    }

    /// The first node in box `cluster` other than gate hexagons.
    fn first_node_in(&self, cluster: usize) -> Option<usize> {
        (0..self.nodes.len()).find(|&node| {
            self.contains(cluster, node)
                && self
                    .nodes
                    .get(node)
                    .is_some_and(|node| node.shape != Shape::Gates)
        })
    }
}
