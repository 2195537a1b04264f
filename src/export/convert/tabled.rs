//! [`into_tabled`]: a compiled plan converted straight into the form
//! format 1.3 writes, each distinct parameters object, gate list and
//! provenance converted once.
//!
//! Distinct here means distinct in the compiler's plan; two values that
//! differ there can still convert to one value of the format (a test's
//! kind, which the format does not carry; two spans that start at one
//! place), so each converted value is numbered as the format compares
//! them ([`v1::TableBuilder`]), and the tables come out as converting the
//! plan whole and finding them would make them.

use super::{Tables, convert_region, kind_name, params, pointer, provenance};
use crate::export::plan_v1 as v1;
use crate::hashing::FastHashMap;
use crate::plan::{self, Field, GateRef, Trace};
use crate::source::SourceMap;
use std::cell::RefCell;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// [`super::into_v1`], in the form format 1.3 writes: the bytes it writes
/// are those of the converted plan.
pub fn into_tabled(mut plan: plan::Plan, sources: &SourceMap) -> v1::Tabled {
    let tables = Tables::of(&plan, sources);
    let steps = std::mem::take(&mut plan.steps);
    let regions = converted_regions(std::mem::take(&mut plan.regions));
    // Its regions taken, the plan's head has none: they are written
    // from `regions`.
    let head = tables.plan(&plan, Vec::new());
    let mut builder = v1::TableBuilder::new(&head);
    let numbers = {
        let mut numbering = Numbering {
            tables: &tables,
            builder: &mut builder,
            // Sized for a service's plan (a few dozen traces, a dozen
            // parameters objects, a few gate lists and shapes), so that
            // none grows step by step.
            traces: FastHashMap::with_capacity_and_hasher(64, Default::default()),
            params: FastHashMap::with_capacity_and_hasher(16, Default::default()),
            gates: FastHashMap::with_capacity_and_hasher(8, Default::default()),
            shapes: FastHashMap::with_capacity_and_hasher(32, Default::default()),
            scratch: Vec::new(),
        };
        steps
            .iter()
            .map(|step| numbering.step(step))
            .collect::<Vec<_>>()
    };
    let steps = steps
        .into_iter()
        .zip(numbers)
        .map(|(step, numbers)| tabled_step(step, numbers, &tables))
        .collect();
    builder.finish(head, regions, steps)
}

thread_local! {
    /// The regions of the last plan this thread converted, and what they
    /// converted to. A registry's regions are shared by the plans that
    /// deploy to them (`Registry::planned`), and the plans of a workspace
    /// mostly deploy to the same ones, in the same order: told by their
    /// addresses (which the regions held here keep from being reused),
    /// they are converted once, not once per plan.
    static LAST_REGIONS: RefCell<ConvertedRegions> =
        RefCell::new((Vec::new(), Arc::from([])));
}

/// Regions of the compiler's plan, and what they converted to.
type ConvertedRegions = (Vec<Arc<plan::PlanRegion>>, Arc<[v1::Region]>);

/// A plan's regions in the format, converted or as the last plan's were.
fn converted_regions(regions: Vec<Arc<plan::PlanRegion>>) -> Arc<[v1::Region]> {
    LAST_REGIONS.with_borrow_mut(|(last, converted)| {
        let same = last.len() == regions.len()
            && last.iter().zip(&regions).all(|(a, b)| Arc::ptr_eq(a, b));
        if !same {
            *converted = regions
                .iter()
                .map(|region| convert_region(region))
                .collect();
            *last = regions;
        }
        Arc::clone(converted)
    })
}

/// A step's names, moved into the format's step, with its numbers.
fn tabled_step(step: plan::Step, numbers: v1::StepNumbers, tables: &Tables<'_>) -> v1::TabledStep {
    v1::TabledStep {
        kind: super::step_kind(&step.params),
        id: step.id,
        needs: step.needs,
        target: super::into_target(step.target),
        rollback_alarm: step
            .rollback_alarm
            .and_then(|alarm| tables.alarm_ids.get(alarm.0).cloned()),
        numbers,
    }
}

/// The numbers of a plan's steps, each distinct value of the compiler's
/// plan converted and numbered once.
struct Numbering<'p, 't, 's> {
    tables: &'t Tables<'s>,
    builder: &'t mut v1::TableBuilder,
    traces: FastHashMap<TraceKey<'p>, u32>,
    params: FastHashMap<ParamsKey<'p>, u32>,
    gates: FastHashMap<&'p [GateRef], u32>,
    /// Each list of fields a step of a kind has: its pointers in pointer
    /// order, each with the position of its field in the step's list.
    shapes: FastHashMap<ShapeKey<'p>, Shape>,
    scratch: Vec<u32>,
}

/// A step's field provenance's pointers in order, each pointer once (the
/// last of a field met twice, as `v1::FieldProvenance` keeps it), and
/// where in the step's fields each one's provenance is.
struct Shape {
    pointers: v1::FieldPointers,
    positions: Vec<usize>,
}

impl<'p> Numbering<'p, '_, '_> {
    /// The numbers of `step`, in the order a reader meets its values: its
    /// provenance, then its field provenance's.
    fn step(&mut self, step: &'p plan::Step) -> v1::StepNumbers {
        let provenance = self.trace(&step.trace);
        let params = match self.params.get(&ParamsKey(&step.params)) {
            Some(&number) => number,
            None => {
                let number = self.builder.params(params(&step.params));
                self.params.insert(ParamsKey(&step.params), number);
                number
            }
        };
        let gates = match self.gates.get(step.gates.as_slice()) {
            Some(&number) => number,
            None => {
                let ids = step
                    .gates
                    .iter()
                    .filter_map(|gate| self.tables.ids.get(gate.0).cloned())
                    .collect();
                let number = self.builder.gate_list(ids);
                self.gates.insert(step.gates.as_slice(), number);
                number
            }
        };
        let field_provenance = (!step.fields.is_empty()).then(|| self.fields(step));
        v1::StepNumbers {
            params,
            gates,
            provenance,
            field_provenance,
        }
    }

    /// The number of a trace's provenance.
    fn trace(&mut self, trace: &'p Trace) -> u32 {
        number_trace(&mut self.traces, self.builder, self.tables, trace)
    }

    /// The number of a step's field provenance, which it has.
    fn fields(&mut self, step: &'p plan::Step) -> u32 {
        let kind = kind_name(&step.params);
        let Numbering {
            tables,
            builder,
            traces,
            shapes,
            scratch,
            ..
        } = self;
        let shape = shapes
            .entry(ShapeKey(kind, &step.fields))
            .or_insert_with(|| shape(kind, &step.fields));
        scratch.clear();
        // Numbered in pointer order, as a reader meets them.
        for &position in &shape.positions {
            if let Some((_, trace)) = step.fields.get(position) {
                scratch.push(number_trace(traces, builder, tables, trace));
            }
        }
        builder.field_provenance(&shape.pointers, scratch)
    }
}

/// The number of a trace's provenance: converted and numbered at the
/// trace's first use.
fn number_trace<'p>(
    traces: &mut FastHashMap<TraceKey<'p>, u32>,
    builder: &mut v1::TableBuilder,
    tables: &Tables<'_>,
    trace: &'p Trace,
) -> u32 {
    if let Some(&number) = traces.get(&TraceKey(trace)) {
        return number;
    }
    let number = builder.provenance(provenance(trace, &tables.sources));
    traces.insert(TraceKey(trace), number);
    number
}

/// The [`Shape`] of a step of `kind` with `fields`.
fn shape(kind: &str, fields: &[(Field, Trace)]) -> Shape {
    let pairs = fields
        .iter()
        .enumerate()
        .map(|(position, (field, _))| (pointer(kind, field), position))
        .collect();
    let (pointers, positions) = v1::fields_by_pointer(pairs).into_iter().unzip();
    Shape {
        pointers: v1::FieldPointers::new(pointers),
        positions,
    }
}

/// A trace as a key: hashed by where it is set and how many values it
/// replaced, compared whole.
struct TraceKey<'p>(&'p Trace);

impl Hash for TraceKey<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.at.file.hash(state);
        self.0.at.span.start.hash(state);
        self.0.overrides.len().hash(state);
    }
}

impl PartialEq for TraceKey<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

impl Eq for TraceKey<'_> {}

/// A step's kind and list of fields as a key, their traces left out.
#[derive(Clone, Copy)]
struct ShapeKey<'p>(&'static str, &'p [(Field, Trace)]);

impl Hash for ShapeKey<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.hash(state);
        for (field, _) in self.1 {
            field.hash(state);
        }
    }
}

impl PartialEq for ShapeKey<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
            && self
                .1
                .iter()
                .map(|(field, _)| field)
                .eq(other.1.iter().map(|(field, _)| field))
    }
}

impl Eq for ShapeKey<'_> {}

/// A step's parameters as a key: hashed by their kind and a value that
/// tells most of one kind's apart (a bake's duration, a deploy's share of
/// traffic), compared whole: cheaper than hashing every string of a
/// deploy for each of a plan's steps.
struct ParamsKey<'p>(&'p plan::Params);

impl Hash for ParamsKey<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        std::mem::discriminant(self.0).hash(state);
        match self.0 {
            plan::Params::Source { name, .. } | plan::Params::Test { name, .. } => name.hash(state),
            plan::Params::Build { artifact, .. } => artifact.hash(state),
            plan::Params::Deploy {
                traffic_hundredths, ..
            } => traffic_hundredths.hash(state),
            plan::Params::Bake {
                duration_seconds,
                data_points,
            } => (duration_seconds, data_points.len()).hash(state),
            plan::Params::Approval { role } => role.hash(state),
            plan::Params::Gate { reason } => reason.hash(state),
        }
    }
}

impl PartialEq for ParamsKey<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

impl Eq for ParamsKey<'_> {}
