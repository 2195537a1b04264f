//! Shape checks: each body holds only the members it can hold, modifiers are
//! used where they mean something, and no name is declared twice in one
//! scope. They need nothing but one file's tree, so `pipec check` runs them
//! on every file, even one with syntax errors elsewhere.

use crate::diagnostics::{Code, Diagnostic};
use crate::source::{FileId, Span};
use crate::syntax::ast::*;
use std::collections::BTreeMap;

mod builtins;
mod repeats;

pub use builtins::{
    Restated, builtin_restated_as, builtin_single_value, builtin_type, single_value_elsewhere,
    whole_builtin_value,
};
use repeats::field_write;
pub use repeats::{Repeat, repeats};

/// The fields every region has, whatever attributes its registry gives
/// it: its display name, and its AZ ids and cells (`[]` when unwritten).
pub const REGION_FIELDS: &[&str] = &["name", "azs", "cells"];

/// The kinds of body, for saying what a body may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Body {
    Registry,
    Region,
    Calendar,
    Window,
    Template,
    Pipeline,
    Policy,
    Exempt,
    Under,
    Source,
    Build,
    Stage,
    Production,
    Wave,
    Onebox,
    Test,
    Deploy,
    Scope,
    /// `by region`: each region whole, as a wave without `by` deploys, so
    /// its body holds nothing: a bake or `wait for` there would follow
    /// no AZ or cell.
    RegionScope,
    Profile,
}

/// Member kinds, by name, as the messages list them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Form {
    Field,
    Alarm,
    Source,
    Build,
    Stage,
    Production,
    Wave,
    Onebox,
    Test,
    Deploy,
    Profile,
    Rollback,
    Block,
    Window,
    ProfileWindow,
    Require,
    Wait,
    Scope,
    Exclude,
    BakeScale,
    Traffic,
    Region,
    Holiday,
    Include,
    Level,
    Exempt,
    Under,
    Floor,
    Remove,
    Env,
}

/// Whether the shape check reports `member` itself as out of place in a
/// body of kind `body`: a member the body cannot hold (`P0101`), or a
/// field it does not have (`P0105`). Merging says nothing more about such a
/// member (not also that it overrides nothing): one mistake, one error.
pub fn reported_as_out_of_place(body: Body, member: &Member) -> bool {
    !body.allowed().contains(&Form::of(&member.kind))
        || field_unknown_to(body, member).is_some()
        || removed_profile_in_profile(body, member).is_some()
}

/// `P0701` at each positional argument written after a named one, in
/// the calls of `value` (nested in lists and calls too): which parameter
/// it is would depend on a position the reader cannot see.
fn late_positional_arguments(value: &Expr, file: FileId, diagnostics: &mut Vec<Diagnostic>) {
    let mut pending = vec![value];
    while let Some(expr) = pending.pop() {
        match &expr.kind {
            ExprKind::List(items) => pending.extend(items.iter().rev()),
            ExprKind::Call { callee, args } => {
                if let Some(late) = Arg::late_positional(args) {
                    diagnostics.push(
                        Diagnostic::error(
                            Code::TYPE_MISMATCH,
                            format!(
                                "a positional argument of `{}(...)` after a named one",
                                callee.to_dotted()
                            ),
                        )
                        .primary(file, late.value.span, "after a named argument")
                        .help("write the positional arguments first, then the named ones: `f(a, name: b)`"),
                    );
                }
                pending.extend(args.iter().rev().map(|arg| &arg.value));
            }
            _ => {}
        }
    }
}

/// The profile a profile's body removes (`remove profile NAME`): a
/// profile holds no profiles, and the pipeline it is applied to is
/// already built with the profiles it has, this one included, so the
/// removal could only remove nothing, or itself.
fn removed_profile_in_profile(body: Body, member: &Member) -> Option<&Ident> {
    match &member.kind {
        MemberKind::Remove { keyword, name }
            if body == Body::Profile && keyword.name == "profile" =>
        {
            Some(name)
        }
        _ => None,
    }
}

/// Whether the shape check refuses the operand of `member`, a `+=` or
/// `-=`, where it is written (`P0701`): a stage's `regions` and a region's
/// `azs` and `cells` are lists of names, edited with a list (`regions +=
/// [eu-west-1]`), not with one name or a region set. Merging skips such an
/// edit (RFC 0001, R13, R38) and says nothing more about it.
pub fn reported_as_list_operand(body: Body, member: &Member) -> bool {
    let MemberKind::FieldAssign { name, op, value } = &member.kind else {
        return false;
    };
    *op != AssignOp::Replace
        && !matches!(value.kind, ExprKind::List(_))
        && matches!(
            (body, name.name.as_str()),
            (Body::Stage, "regions") | (Body::Region, "azs" | "cells")
        )
}

/// Whether the shape check refuses the modifiers of `member` (or its lack
/// of a value) where it is written (`abstract_allowed`: anywhere inside a
/// template, outside its profiles). Merging says nothing more about such
/// a member (not also that it overrides nothing): one mistake, one error.
pub fn reported_as_misused_modifier(member: &Member, abstract_allowed: bool) -> bool {
    modifier_problem(member, Form::of(&member.kind), abstract_allowed, FileId(0)).is_some()
}

/// The name of the field `member` sets or declares, if a body of kind
/// `body` has no such field (`P0105`), with the fields it has. Templates
/// and pipelines declare their own fields; a region's attributes and a
/// profile's fields are free.
fn field_unknown_to(body: Body, member: &Member) -> Option<(&Ident, &'static [&'static str])> {
    let (MemberKind::FieldAssign { name, .. } | MemberKind::FieldDecl { name, .. }) = &member.kind
    else {
        return None;
    };
    let fields = body.builtin_fields()?;
    (!matches!(body, Body::Template | Body::Pipeline) && !fields.contains(&name.name.as_str()))
        .then_some((name, fields))
}

/// The fields a template or pipeline assigns whole at its top (`NAME =
/// EXPR`) that are neither built in nor refused for their modifiers: the
/// writes of its own fields, which it must declare with their types.
fn own_field_writes<'d>(
    decl: &'d crate::syntax::ast::Decl,
    body: Body,
    builtin: &'d [&str],
) -> impl Iterator<Item = (&'d Member, &'d Ident)> + 'd {
    decl.body
        .members
        .iter()
        .filter_map(move |member| match &member.kind {
            MemberKind::FieldAssign {
                name,
                op: AssignOp::Replace,
                ..
            } if !builtin.contains(&name.name.as_str())
                && !reported_as_misused_modifier(member, body == Body::Template) =>
            {
                Some((member, name))
            }
            _ => None,
        })
}

impl Form {
    fn of(kind: &MemberKind) -> Form {
        match kind {
            MemberKind::FieldDecl { .. } | MemberKind::FieldAssign { .. } => Form::Field,
            MemberKind::Alarm(_) => Form::Alarm,
            MemberKind::Source { .. } => Form::Source,
            MemberKind::Build { .. } => Form::Build,
            MemberKind::Stage { .. } => Form::Stage,
            MemberKind::Production { .. } => Form::Production,
            MemberKind::Wave { .. } => Form::Wave,
            MemberKind::Onebox { .. } => Form::Onebox,
            MemberKind::Test { .. } => Form::Test,
            MemberKind::Deploy { .. } => Form::Deploy,
            MemberKind::Profile { .. } => Form::Profile,
            MemberKind::Rollback { .. } => Form::Rollback,
            MemberKind::BlockOn { .. } | MemberKind::BlockArtifact(_) => Form::Block,
            MemberKind::WindowUse(_) => Form::Window,
            MemberKind::ProfileWindow { .. } => Form::ProfileWindow,
            MemberKind::Require { .. } => Form::Require,
            MemberKind::WaitFor { .. } => Form::Wait,
            MemberKind::Scope { .. } => Form::Scope,
            MemberKind::Exclude { .. } => Form::Exclude,
            MemberKind::BakeScale { .. } => Form::BakeScale,
            MemberKind::TrafficLimit { .. } => Form::Traffic,
            MemberKind::Region { .. } => Form::Region,
            MemberKind::Holiday { .. } => Form::Holiday,
            MemberKind::Include { .. } => Form::Include,
            MemberKind::Level { .. } => Form::Level,
            MemberKind::Exempt { .. } => Form::Exempt,
            MemberKind::Under { .. } => Form::Under,
            MemberKind::Floor { .. } => Form::Floor,
            MemberKind::Remove { .. } => Form::Remove,
            MemberKind::Env { .. } => Form::Env,
        }
    }

    fn syntax(self) -> &'static str {
        match self {
            Form::Field => "fields",
            Form::Alarm => "`alarm`",
            Form::Source => "`source`",
            Form::Build => "`build`",
            Form::Stage => "`stage`",
            Form::Production => "`production`",
            Form::Wave => "`wave`",
            Form::Onebox => "`onebox`",
            Form::Test => "`test`",
            Form::Deploy => "`deploy`",
            Form::Profile => "`profile`",
            Form::Rollback => "`rollback on`",
            Form::Block => "`block`",
            Form::Window => "`window`",
            Form::ProfileWindow => "`window ... for profile`",
            Form::Require => "`require`",
            Form::Wait => "`wait for`",
            Form::Scope => "`by`",
            Form::Exclude => "`exclude`",
            Form::BakeScale => "`bake scale`",
            Form::Traffic => "`traffic <=`",
            Form::Region => "`region`",
            Form::Holiday => "`holiday`",
            Form::Include => "`include`",
            Form::Level => "`deny`/`warn`/`allow`",
            Form::Exempt => "`exempt`",
            Form::Under => "`under`",
            Form::Floor => "`floor`",
            Form::Remove => "`remove`",
            Form::Env => "`env`",
        }
    }

    /// How a member of this form begins, as written in source.
    fn keywords(self) -> &'static [&'static str] {
        match self {
            Form::Field => &[],
            Form::Alarm => &["alarm"],
            Form::Source => &["source"],
            Form::Build => &["build"],
            Form::Stage => &["stage"],
            Form::Production => &["production"],
            Form::Wave => &["wave"],
            Form::Onebox => &["onebox"],
            Form::Test => &["test"],
            Form::Deploy => &["deploy"],
            Form::Profile => &["profile"],
            Form::Rollback => &["rollback on"],
            Form::Block => &["block"],
            Form::Window | Form::ProfileWindow => &["window"],
            Form::Require => &["require"],
            Form::Wait => &["wait for"],
            Form::Scope => &["by az", "by cell", "by region"],
            Form::Exclude => &["exclude"],
            Form::BakeScale => &["bake scale"],
            Form::Traffic => &["traffic <="],
            Form::Region => &["region"],
            Form::Holiday => &["holiday"],
            Form::Include => &["include"],
            Form::Level => &["deny", "warn", "allow"],
            Form::Exempt => &["exempt"],
            Form::Under => &["under"],
            Form::Floor => &["floor"],
            Form::Remove => &["remove"],
            Form::Env => &["env"],
        }
    }

    /// Where this kind of member belongs, for the help line.
    fn home(self) -> &'static str {
        match self {
            Form::Field => "fields belong to the body they configure",
            Form::Alarm => "alarms are declared at the top level or in a template or pipeline",
            Form::Source | Form::Build | Form::Stage | Form::Production => {
                "this belongs directly in a template or pipeline"
            }
            Form::Profile => "profiles belong directly in a template or pipeline",
            Form::Wave => "waves go in `production { ... }`",
            Form::Onebox => "a one-box goes in a stage, `production` or a wave",
            Form::Deploy => "this goes in a stage or `production`",
            Form::Test => {
                "tests run in a stage (`beta`, `gamma`, `zeta`); production is watched by its alarms, bakes and `wait for` data points"
            }
            Form::Rollback => "`rollback on` goes in a stage, `production`, a wave or a one-box",
            Form::Block | Form::Window | Form::ProfileWindow => {
                "blockers and windows go in a stage or `production`"
            }
            Form::Require => {
                "`require` goes in a source, a stage, `production`, a wave or a profile"
            }
            Form::Wait => "`wait for` goes in a stage, a wave, a one-box, `by az` or `by cell`",
            Form::Scope => "`by az` and `by cell` go in a wave",
            Form::Exclude => "`exclude` goes in `production`",
            Form::BakeScale => "`bake scale` goes in a profile",
            Form::Traffic => "`traffic <=` goes in a one-box",
            Form::Region => "regions are declared in a registry",
            Form::Holiday | Form::Include => "holidays and includes go in a calendar",
            Form::Level | Form::Exempt | Form::Under | Form::Floor => "this goes in a `policy`",
            Form::Remove => "`remove` goes in the body that inherited the member",
            Form::Env => "`env` goes in a `build`, `test` or `deploy` body, next to its `run`",
        }
    }

    /// Statements that add to a collection; they have no identity, so
    /// modifiers mean nothing on them. A profile's `bake scale` is not one:
    /// it is keyed by its kind (RFC 0001, R5), so `final` freezes it.
    fn is_collection(self) -> bool {
        matches!(
            self,
            Form::Block
                | Form::Require
                | Form::Exclude
                | Form::Wait
                | Form::Level
                | Form::Exempt
                | Form::Under
                | Form::Floor
                | Form::Holiday
                | Form::Include
                | Form::Remove
        )
    }
}

impl Body {
    /// "a registry", for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Body::Registry => "a registry",
            Body::Region => "a region",
            Body::Calendar => "a calendar",
            Body::Window => "a window",
            Body::Template => "a template",
            Body::Pipeline => "a pipeline",
            Body::Policy => "a policy",
            Body::Exempt => "an exemption",
            Body::Under => "an `under` block",
            Body::Source => "a source",
            Body::Build => "a build",
            Body::Stage => "a stage",
            Body::Production => "`production`",
            Body::Wave => "a wave",
            Body::Onebox => "a one-box",
            Body::Test => "a test",
            Body::Deploy => "a deploy",
            Body::Scope => "a `by` scope",
            Body::RegionScope => "`by region`",
            Body::Profile => "a profile",
        }
    }

    /// The fields every body of this kind has, whether or not a declaration
    /// writes them (RFC 0001, R8); `None` where any field is allowed
    /// (region attributes, profiles, which override a whole pipeline).
    pub fn builtin_fields(self) -> Option<&'static [&'static str]> {
        Some(match self {
            Body::Template | Body::Pipeline => &["platform"],
            Body::Registry => &["partition"],
            Body::Region | Body::Profile => return None,
            Body::Window => &["zone", "allow", "except", "blackout"],
            Body::Build => &["run", "sign", "shell"],
            Body::Test => &["run", "timeout", "kind", "shell"],
            Body::Deploy => &["strategy", "run", "rollback", "shell"],
            Body::Stage => &["regions", "bake", "strategy", "environment"],
            Body::Production => &["registry", "strategy", "alarm_command"],
            Body::Wave => &["regions", "bake", "parallel", "strategy"],
            Body::Onebox => &["bake", "traffic"],
            Body::Scope => &["bake"],
            Body::RegionScope => &[],
            Body::Exempt | Body::Under => &["reason", "expires"],
            Body::Source => &["branch"],
            Body::Calendar => &["covers_until"],
            Body::Policy => &[],
        })
    }

    /// The words that begin each member this body may hold, in the order
    /// of its table: its built-in fields, then the keywords of the other
    /// members. Completion offers exactly these, so it never offers what
    /// this check would reject as misplaced.
    pub fn member_keywords(self) -> Vec<&'static str> {
        let mut words: Vec<&'static str> = Vec::new();
        for form in self.allowed() {
            let written: &[&'static str] = match form {
                // A body whose fields are free still has built-in ones.
                Form::Field => self.builtin_fields().unwrap_or(match self {
                    Body::Profile => &["platform"],
                    Body::Region => REGION_FIELDS,
                    _ => &[],
                }),
                other => other.keywords(),
            };
            for word in written {
                if !words.contains(word) {
                    words.push(word);
                }
            }
        }
        words
    }

    fn allowed(self) -> &'static [Form] {
        use Form::*;
        match self {
            Body::Registry => &[Field, Region, Remove],
            Body::Calendar => &[Field, Holiday, Include],
            Body::Policy => &[Level, Exempt, Under, Floor],
            Body::Under => &[Level, Field],
            Body::Region | Body::Window | Body::Exempt => &[Field],
            Body::Build | Body::Test | Body::Deploy => &[Field, Env],
            Body::Source => &[Field, Require],
            Body::Template | Body::Pipeline => &[
                Field, Alarm, Source, Build, Stage, Production, Profile, Remove,
            ],
            Body::Profile => &[
                Field, Alarm, Source, Build, Stage, Production, Remove, BakeScale, Require,
            ],
            Body::Stage => &[
                Field,
                Deploy,
                Test,
                Onebox,
                Require,
                Wait,
                Rollback,
                Block,
                Window,
                ProfileWindow,
                Remove,
            ],
            // Tests run in stages: production is watched by alarms, bakes and
            // data points, and a test there would not become a step.
            Body::Production => &[
                Field,
                Deploy,
                Onebox,
                Require,
                Rollback,
                Block,
                Window,
                ProfileWindow,
                Wave,
                Exclude,
                Remove,
            ],
            Body::Wave => &[Field, Scope, Wait, Onebox, Rollback, Require, Remove],
            Body::Onebox => &[Field, Traffic, Rollback, Wait],
            Body::Scope => &[Field, Wait],
            Body::RegionScope => &[Field],
        }
    }

    /// The kind of a top-level declaration's body, and the body; `None`
    /// for an import or an alarm, which have none.
    pub fn of_item(item: &ItemKind) -> Option<(Body, &Block)> {
        Some(match item {
            ItemKind::Registry(decl) => (Body::Registry, &decl.body),
            ItemKind::Calendar(decl) => (Body::Calendar, &decl.body),
            ItemKind::Window(decl) => (Body::Window, &decl.body),
            ItemKind::Template(decl) => (Body::Template, &decl.body),
            ItemKind::Pipeline(decl) => (Body::Pipeline, &decl.body),
            ItemKind::Policy(decl) => (Body::Policy, &decl.body),
            ItemKind::Import(_) | ItemKind::Alarm(_) => return None,
        })
    }

    /// The kind of body a member opens, if it has one.
    pub fn child(member: &MemberKind) -> Option<Body> {
        Some(match member {
            MemberKind::Source { .. } => Body::Source,
            MemberKind::Build { .. } => Body::Build,
            MemberKind::Stage { .. } => Body::Stage,
            MemberKind::Production { .. } => Body::Production,
            MemberKind::Wave { .. } => Body::Wave,
            MemberKind::Onebox { .. } => Body::Onebox,
            MemberKind::Test { .. } => Body::Test,
            MemberKind::Deploy { .. } => Body::Deploy,
            MemberKind::Profile { .. } => Body::Profile,
            MemberKind::Scope { unit, .. } if unit.name == "region" => Body::RegionScope,
            MemberKind::Scope { .. } => Body::Scope,
            MemberKind::Region { .. } => Body::Region,
            MemberKind::Exempt { .. } => Body::Exempt,
            MemberKind::Under { .. } => Body::Under,
            MemberKind::WindowUse(WindowUse::Inline(_)) => Body::Window,
            _ => return None,
        })
    }
}

struct ShapeChecker {
    file: FileId,
    diagnostics: Vec<Diagnostic>,
    /// How many profile bodies enclose the body being checked: a profile
    /// may not approve windows, or it could widen a final one itself.
    in_profile: usize,
    /// How many repeated members (`P0103`) enclose the body being checked:
    /// merging skips them, so what it would find of their list edits is
    /// found here.
    in_repeat: usize,
}

/// Checks one file's tree and returns what it found.
pub fn check_shape(tree: &File, file: FileId) -> Vec<Diagnostic> {
    let mut checker = ShapeChecker {
        file,
        diagnostics: Vec::new(),
        in_profile: 0,
        in_repeat: 0,
    };
    checker.check_items(&tree.items);
    checker.diagnostics
}

impl ShapeChecker {
    fn check_items(&mut self, items: &[Item]) {
        // A module's name (its `as` alias, else its path's stem) shares
        // the namespace of the file's declarations: `aws.x` and `aws`
        // could otherwise mean two things, the later silently. Each name
        // is kept with the path of the module it is bound to, if any.
        let mut seen: BTreeMap<String, (Ident, Option<String>)> = BTreeMap::new();
        for item in items {
            let named = match &item.kind {
                ItemKind::Import(import) => import
                    .bound_name()
                    .map(|name| (name, import.path.as_plain())),
                kind => kind.name().map(|name| (name.clone(), None)),
            };
            if let Some((name, module)) = named {
                match seen.get(&name.name) {
                    Some((first, None)) if module.is_none() => {
                        self.duplicate(&name, first, "top-level declaration");
                    }
                    Some((first, first_module)) => {
                        self.duplicate_module(
                            &name,
                            module.as_deref(),
                            first,
                            first_module.as_deref(),
                        );
                    }
                    None => {
                        seen.insert(name.name.clone(), (name, module));
                    }
                }
            }
            match &item.kind {
                ItemKind::Import(_) => {}
                ItemKind::Alarm(alarm) => {
                    if alarm.value.is_none() {
                        self.diagnostics.push(
                            Diagnostic::error(Code::INVALID_MODIFIER, "a top-level alarm needs a value")
                                .primary(self.file, alarm.name.span, "no expression given")
                                .help(format!(
                                    "write `alarm {} = ALARM(\"...\")`; `abstract alarm` belongs in a template",
                                    alarm.name.name
                                )),
                        );
                    }
                }
                ItemKind::Registry(decl) => self.check_block(&decl.body, Body::Registry),
                ItemKind::Calendar(decl) => self.check_block(&decl.body, Body::Calendar),
                ItemKind::Window(decl) => self.check_block(&decl.body, Body::Window),
                ItemKind::Template(decl) => self.check_declaration(decl, Body::Template),
                ItemKind::Pipeline(decl) => self.check_declaration(decl, Body::Pipeline),
                ItemKind::Policy(decl) => self.check_block(&decl.body, Body::Policy),
            }
        }
    }

    /// A template or pipeline: its body, and, where it extends nothing,
    /// the fields it sets without declaring. Under `extends` such a field
    /// overrides nothing (`P0303`, when merging); at a chain's root there
    /// is nothing it could override, so it is a field the body does not
    /// have (R8).
    fn check_declaration(&mut self, decl: &crate::syntax::ast::Decl, body: Body) {
        self.check_block(&decl.body, body);
        let builtin = body.builtin_fields().unwrap_or_default();
        if decl.extends.is_some() {
            self.new_fields_without_type(decl, body, builtin);
            return;
        }
        let declared: Vec<&str> = decl
            .body
            .members
            .iter()
            .filter_map(|member| match &member.kind {
                MemberKind::FieldDecl { name, .. } => Some(name.name.as_str()),
                _ => None,
            })
            .collect();
        for (_, name) in own_field_writes(decl, body, builtin) {
            if declared.contains(&name.name.as_str()) {
                continue;
            }
            let known = builtin.iter().copied().chain(declared.iter().copied());
            let mut diagnostic = Diagnostic::error(
                Code::UNKNOWN_FIELD,
                format!("{} has no field `{}`", body.describe(), name.name),
            )
            .primary(self.file, name.span, "set here, declared nowhere")
            .note(format!(
                "`{}` extends nothing, so no template declares the field for it",
                decl.name.name
            ));
            // `source = git(...)` is a member missing its name, not a field;
            // `bake = 1h` belongs in a body that has it.
            let keyword = body
                .member_keywords()
                .contains(&name.name.as_str())
                .then_some(&name.name);
            let elsewhere = single_value_elsewhere(body, &name.name);
            diagnostic = match (keyword, elsewhere, crate::names::closest(&name.name, known)) {
                (Some(keyword), _, _) => diagnostic.help(format!(
                    "`{keyword}` begins a member with a name: `{keyword} NAME ...`"
                )),
                (None, _, Some(suggestion)) => {
                    diagnostic.help(format!("did you mean `{suggestion}`?"))
                }
                (None, Some((what, homes)), None) => {
                    let homes: Vec<&str> = homes.iter().map(|home| home.describe()).collect();
                    diagnostic.help(format!(
                        "`{}` is {what} field of {}: set it there",
                        name.name,
                        match homes.split_last() {
                            Some((last, [])) => (*last).to_string(),
                            Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
                            None => String::new(),
                        }
                    ))
                }
                (None, None, None) => diagnostic.help(format!(
                    "declare it with a type: `{} : TYPE = ...`",
                    name.name
                )),
            };
            self.diagnostics.push(diagnostic);
        }
    }

    /// Under `extends`, a field added with `new` is declared as any new
    /// field is, with its type (`new tier : count = 1`): `new tier = 1`
    /// would add a field of no type, which no override is checked
    /// against (R8, R37).
    fn new_fields_without_type(
        &mut self,
        decl: &crate::syntax::ast::Decl,
        body: Body,
        builtin: &[&str],
    ) {
        for (member, name) in own_field_writes(decl, body, builtin) {
            let is_new = member
                .modifiers
                .iter()
                .any(|modifier| modifier.kind == ModifierKind::New);
            if !is_new {
                continue;
            }
            self.diagnostics.push(
                Diagnostic::error(
                    Code::UNKNOWN_FIELD,
                    format!("`new {}` adds a field without a type", name.name),
                )
                .primary(self.file, name.span, "no type declared")
                .note("a new field is declared with its type, as at the top of any template")
                .help(format!("declare it: `new {} : TYPE = ...`", name.name)),
            );
        }
    }

    /// An exclusion says why (`because "..."`): a reason that interpolates
    /// is no plain text (`P0701`), and an empty one says nothing (`P0803`),
    /// as for an exemption.
    fn exclusion_reason(&mut self, reason: &StringLit) {
        match reason.as_plain_str() {
            None => self
                .diagnostics
                .push(crate::semantics::policies::reason_not_plain(
                    reason.span,
                    self.file,
                )),
            Some(text) if text.trim().is_empty() => self.diagnostics.push(
                Diagnostic::error(Code::EXEMPTION_WITHOUT_REASON, "an exclusion needs a reason")
                    .primary(self.file, reason.span, "an empty reason")
                    .help("say why these regions are left out, so that reviewers can tell when they will not be"),
            ),
            Some(_) => {}
        }
    }

    fn check_block(&mut self, block: &Block, body: Body) {
        self.check_block_in(block, body, body == Body::Template);
    }

    /// Checks a body; `abstract_allowed` says whether members may be
    /// abstract here (anywhere inside a template, outside its profiles).
    fn check_block_in(&mut self, block: &Block, body: Body, abstract_allowed: bool) {
        let repeats = repeats(body, block);
        self.check_one_per_deployment(block);
        for (member, repeat) in block.members.iter().zip(&repeats) {
            let form = Form::of(&member.kind);
            if !body.allowed().contains(&form) {
                self.not_allowed(member, form, body);
                continue;
            }
            if let Some(removed) = removed_profile_in_profile(body, member) {
                self.diagnostics.push(
                    Diagnostic::error(
                        Code::MEMBER_NOT_ALLOWED,
                        "a profile cannot remove a profile",
                    )
                    .primary(self.file, member.span, "inside a profile")
                    .note("a profile changes the pipeline it is selected for; it holds no profiles, and removes none")
                    .help(format!(
                        "remove the profile in the template or pipeline that inherits it: `remove profile {}`",
                        removed.name
                    )),
                );
                continue;
            }
            // A field the body does not have is that mistake alone: its
            // modifiers, type or value are not checked, as a member the
            // body cannot hold is not (one mistake, one error).
            if let Some((name, fields)) = field_unknown_to(body, member) {
                self.unknown_field(name, body, fields);
                continue;
            }
            self.check_modifiers(member, form, abstract_allowed);
            if let (MemberKind::ProfileWindow { profile, .. }, true) =
                (&member.kind, self.in_profile > 0)
            {
                self.diagnostics.push(
                    Diagnostic::error(
                        Code::PROFILE_WINDOW_IN_PROFILE,
                        "a profile cannot approve a window",
                    )
                    .primary(self.file, head_span(member), "inside a profile")
                    .help(format!(
                        "approve the window where {} window is set, outside any profile: `window NAME for profile {}`",
                        if body == Body::Stage {
                            "the stage's"
                        } else {
                            "production's"
                        },
                        profile.name
                    )),
                );
            }
            if let Some(first) = repeat.key {
                self.duplicate_member(member, first, body);
            }
            // A declaration without a value that is not abstract is a
            // YAML habit or a missing value, reported as that.
            if let MemberKind::FieldDecl { name, ty, value } = &member.kind
                && (value.is_some()
                    || member
                        .modifiers
                        .iter()
                        .any(|modifier| modifier.kind == ModifierKind::Abstract))
            {
                self.check_declared_type(body, name, ty);
            }
            // `+=` and `-=` edit a list: on a built-in field that holds
            // one value they are a type error (RFC 0001, R38), reported
            // once, here, and skipped when merging (R13).
            if let MemberKind::FieldAssign { name, op, value } = &member.kind
                && *op != AssignOp::Replace
                && let Some(what) = builtin_single_value(body, &name.name)
            {
                self.list_edit_of_single_value(name, *op, value, what);
                continue;
            }
            if let (Some(first), Some((name, _))) =
                (repeat.whole_and_edited, field_write(&member.kind))
            {
                self.whole_and_edited(member, first, name);
            }
            // A built-in field's value is checked where it is written, so a
            // template no pipeline extends yet, or a profile nobody selected,
            // gets every error it has.
            let whole = whole_builtin_value(body, member);
            if let Some((name, value)) = whole
                && let Some(builtin) = builtin_type(body, &name.name)
            {
                self.diagnostics.extend(crate::plan::builtin_value_problem(
                    builtin, &name.name, value, self.file,
                ));
            }
            // A registry's strings belong to no pipeline whose fields a
            // `${...}` could name: they are plain text, read as written.
            if let MemberKind::FieldAssign { name, value, .. } = &member.kind
                && matches!(
                    (body, name.name.as_str()),
                    (Body::Registry, "partition") | (Body::Region, "name")
                )
                && let ExprKind::Literal(literal) = &value.kind
                && let LiteralValue::String(string) = &literal.value
                && string.as_plain_str().is_none()
            {
                self.diagnostics.push(
                    crate::plan::interpolated_where_plain(
                        self.file,
                        value.span,
                        &format!("`{}`", name.name),
                        "string",
                    )
                    .help("a registry belongs to no pipeline whose fields `${...}` could insert: write the text out; a `$` that is text is written `\\$`"),
                );
            }
            // An exclusion says why (`because "..."`); an empty reason says
            // nothing, as for an exemption, and a reason is plain text.
            if let MemberKind::Exclude { reason, .. } = &member.kind {
                self.exclusion_reason(reason);
            }
            if let (Body::Production, Some((name, value))) = (body, whole)
                && name.name == "registry"
            {
                self.diagnostics
                    .extend(crate::semantics::regions::registry_value_problem(
                        value, self.file,
                    ));
            }
            if let MemberKind::Source { origin, body, .. } = &member.kind {
                self.diagnostics.extend(crate::plan::source_origin_problems(
                    origin,
                    body.as_ref(),
                    self.file,
                ));
            }
            if let MemberKind::Require { requirement } = &member.kind
                && body.allowed().contains(&Form::Require)
            {
                self.diagnostics.extend(crate::plan::requirement_problem(
                    body == Body::Source,
                    requirement,
                    self.file,
                ));
            }
            if let MemberKind::BlockArtifact(blocker) = &member.kind
                && body.allowed().contains(&Form::Block)
            {
                self.diagnostics
                    .extend(crate::plan::artifact_blocker_problem(blocker, self.file));
            }
            if let MemberKind::WaitFor { count, metric } = &member.kind {
                self.diagnostics
                    .extend(crate::plan::wait_for_problem(count, metric, self.file));
            }
            // `regions` needs the registry to name regions of it, but not
            // to be a region set (a wave's) or a list of names (a stage's).
            // A stage's list is edited with a list too (R38); the items
            // of a list operand are checked where the edit applies.
            let regions_value = match &member.kind {
                MemberKind::FieldAssign { name, value, .. }
                    if reported_as_list_operand(body, member) =>
                {
                    Some((name, value))
                }
                _ => whole,
            };
            if let Some((name, value)) = regions_value
                && name.name == "regions"
            {
                match body {
                    Body::Stage => self
                        .diagnostics
                        .extend(crate::plan::stage_regions_problems(value, self.file)),
                    Body::Wave => {
                        self.diagnostics
                            .extend(crate::semantics::regions::region_set_problems(
                                value, self.file,
                            ))
                    }
                    _ => {}
                }
            }
            // A list edit in a repeat is never merged, where a region it
            // names twice would be found (`P0308`): it is found here.
            if self.in_repeat > 0
                && let MemberKind::FieldAssign { name, op, value } = &member.kind
                && *op != AssignOp::Replace
                && name.name == "regions"
                && matches!(body, Body::Stage | Body::Wave)
                && let ExprKind::List(items) = &value.kind
            {
                self.diagnostics
                    .extend(crate::plan::repeated_names(items, self.file, "region"));
            }
            // An exclusion's literal list names each region once.
            if let MemberKind::Exclude { regions, .. } = &member.kind
                && let ExprKind::List(items) = &regions.kind
            {
                self.diagnostics
                    .extend(crate::plan::repeated_names(items, self.file, "region"));
            }
            // A region's AZ ids and cells are lists of names, whole or
            // edited; any other field of a region is an attribute for
            // `where`.
            let region_ids = match &member.kind {
                MemberKind::FieldAssign { name, value, .. } => Some((name, value)),
                _ => whole,
            };
            if let (Body::Region, Some((name, value))) = (body, region_ids)
                && matches!(name.name.as_str(), "azs" | "cells")
            {
                self.diagnostics.extend(crate::plan::region_ids_problems(
                    &name.name, value, self.file,
                ));
            }
            // A region's attributes are free values, read by no check of
            // their own: a call among them still follows the syntax of
            // calls, positional arguments first.
            if let (Body::Region, MemberKind::FieldAssign { name, value, .. }) =
                (body, &member.kind)
                && !REGION_FIELDS.contains(&name.name.as_str())
            {
                late_positional_arguments(value, self.file, &mut self.diagnostics);
            }
            if let MemberKind::Env { name, .. } = &member.kind {
                self.diagnostics
                    .extend(crate::plan::env_name_problem(name, self.file));
            }
            if let MemberKind::TrafficLimit { share } = &member.kind {
                self.diagnostics.extend(crate::plan::builtin_value_problem(
                    crate::plan::Builtin::Share,
                    "traffic",
                    share,
                    self.file,
                ));
            }
            if let MemberKind::Scope { unit, .. } = &member.kind
                && !matches!(unit.name.as_str(), "az" | "cell" | "region")
            {
                self.diagnostics.push(
                    Diagnostic::error(
                        Code::UNKNOWN_SCOPE,
                        format!("unknown scope `{}`", unit.name),
                    )
                    .primary(self.file, unit.span, "expected `az`, `cell` or `region`")
                    .help(
                        "write `by az`, `by cell`, or `by region` (each region whole, the default, \
                             which overrides an inherited `by az`)",
                    ),
                );
            }
            if let (Some(child), Some(child_block)) =
                (Body::child(&member.kind), member.kind.body())
            {
                let child_abstract = abstract_allowed && child != Body::Profile;
                let profile = usize::from(child == Body::Profile);
                let repeated = usize::from(repeat.key.is_some());
                self.in_profile += profile;
                self.in_repeat += repeated;
                self.check_block_in(child_block, child, child_abstract);
                self.in_profile -= profile;
                self.in_repeat -= repeated;
            }
        }
    }

    fn check_modifiers(&mut self, member: &Member, form: Form, abstract_allowed: bool) {
        self.diagnostics
            .extend(modifier_problem(member, form, abstract_allowed, self.file));
    }

    /// A field a body does not have (RFC 0001, R8): almost always a typo,
    /// which would otherwise be silently ignored.
    fn unknown_field(&mut self, name: &Ident, body: Body, fields: &[&str]) {
        let mut diagnostic = Diagnostic::error(
            Code::UNKNOWN_FIELD,
            format!("{} has no field `{}`", body.describe(), name.name),
        )
        .primary(self.file, name.span, "unknown field");
        let suggestion = crate::names::closest(&name.name, fields.iter().copied());
        // A field built in elsewhere (`timeout` in a stage) says where it
        // belongs, unless it reads as a typo of one of this body's.
        if let (None, Some((what, homes))) = (suggestion, single_value_elsewhere(body, &name.name))
        {
            let homes: Vec<&str> = homes.iter().map(|home| home.describe()).collect();
            let homes = match homes.split_last() {
                Some((last, [])) => (*last).to_string(),
                Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
                None => String::new(),
            };
            diagnostic = diagnostic.note(format!("`{}` is {what} field of {homes}", name.name));
        }
        diagnostic = match suggestion {
            Some(suggestion) => diagnostic.help(format!("did you mean `{suggestion}`?")),
            None if fields.is_empty() => {
                diagnostic.help(format!("{} has no fields", body.describe()))
            }
            None => diagnostic.help(format!(
                "its fields are {}",
                fields
                    .iter()
                    .map(|f| format!("`{f}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        };
        self.diagnostics.push(diagnostic);
    }

    fn not_allowed(&mut self, member: &Member, form: Form, body: Body) {
        // A body whose fields are all misspelt (`by region` has none) is
        // not said to hold fields.
        let no_fields = body.builtin_fields().is_some_and(<[_]>::is_empty);
        let accepted: Vec<&str> = body
            .allowed()
            .iter()
            .filter(|form| !(no_fields && **form == Form::Field))
            .map(|form| form.syntax())
            .collect();
        self.diagnostics.push(
            Diagnostic::error(
                Code::MEMBER_NOT_ALLOWED,
                format!(
                    "{} is not allowed in {}",
                    member.kind.describe(),
                    body.describe()
                ),
            )
            .primary(
                self.file,
                head_span(member),
                format!("not allowed in {}", body.describe()),
            )
            .note(if accepted.is_empty() {
                format!("{} holds nothing", capitalise(body.describe()))
            } else {
                format!(
                    "{} holds {}",
                    capitalise(body.describe()),
                    accepted.join(", ")
                )
            })
            .help(form.home()),
        );
    }

    fn duplicate(&mut self, again: &Ident, first: &Ident, what: &str) {
        self.diagnostics.push(
            Diagnostic::error(
                Code::DUPLICATE_DEFINITION,
                format!("`{}` is declared twice", again.name),
            )
            .primary(
                self.file,
                again.span,
                format!("second {what} named `{}`", again.name),
            )
            .secondary(self.file, first.span, "first declared here")
            .help("rename one of them, or merge them into one"),
        );
    }

    /// A module's name that the file also gives another module or a
    /// declaration, reported at the later of the two; `module` and
    /// `first_module` are the paths of the imports among them.
    fn duplicate_module(
        &mut self,
        again: &Ident,
        module: Option<&str>,
        first: &Ident,
        first_module: Option<&str>,
    ) {
        let label = match module {
            Some(_) => format!("imports a module named `{}`", again.name),
            None => format!("declares `{}`, the name of a module", again.name),
        };
        let first_label = match first_module {
            Some(_) => format!("the module imported as `{}`", again.name),
            None => "first declared here".to_string(),
        };
        let help = if module.is_some() && module == first_module {
            "the module is imported already: remove this import".to_string()
        } else {
            "import the module under another name (`import \"...\" as NAME`), or rename the declaration"
                .to_string()
        };
        self.diagnostics.push(
            Diagnostic::error(
                Code::DUPLICATE_DEFINITION,
                format!("`{}` is declared twice", again.name),
            )
            .primary(self.file, again.span, label)
            .secondary(self.file, first.span, first_label)
            .note(
                "a module's name (its file's stem, or the name after `as`) shares one \
                 namespace with the file's declarations",
            )
            .help(help),
        );
    }

    /// At most one `deploy` member of a body gives `run`, `rollback` or
    /// `strategy` (`P0103`), checked where the body is written, so a
    /// template nothing extends yet is told too; lowering checks a
    /// pipeline's merged body the same way, and the two are one
    /// diagnostic.
    fn check_one_per_deployment(&mut self, block: &Block) {
        for (field, what) in crate::plan::ONE_PER_DEPLOYMENT {
            let mut first: Option<&Member> = None;
            for member in &block.members {
                let MemberKind::Deploy {
                    body: Some(body), ..
                } = &member.kind
                else {
                    continue;
                };
                let gives = body.members.iter().any(|inner| {
                    matches!(&inner.kind, MemberKind::FieldAssign { name, .. } if name.name == field)
                });
                if !gives {
                    continue;
                }
                match first {
                    Some(first) => self.diagnostics.push(crate::plan::second_deploy_field(
                        (self.file, head_span(member)),
                        (self.file, head_span(first)),
                        field,
                        what,
                    )),
                    None => first = Some(member),
                }
            }
        }
    }

    /// A declared type is one of the language's (or a list of them), and a
    /// built-in field keeps its built-in type (R27, R37): `P0701`.
    fn check_declared_type(&mut self, body: Body, name: &Ident, ty: &TypeExpr) {
        let mut base = ty;
        while let TypeExpr::List(inner, _) = base {
            base = inner;
        }
        let TypeExpr::Named(base) = base else {
            return;
        };
        if !KNOWN_TYPES.contains(&base.name.as_str()) {
            let mut diagnostic =
                Diagnostic::error(Code::TYPE_MISMATCH, format!("unknown type `{}`", base.name))
                    .primary(self.file, base.span, "not a type");
            diagnostic = match crate::names::closest(&base.name, KNOWN_TYPES.iter().copied()) {
                Some(suggestion) => diagnostic.help(format!("did you mean `{suggestion}`?")),
                None => diagnostic.help(format!("the types are {}", KNOWN_TYPES.join(", "))),
            };
            self.diagnostics.push(diagnostic);
            return;
        }
        match builtin_restated_as(body, &name.name, ty) {
            Some(Restated::As(builtin)) => self.diagnostics.push(
                Diagnostic::error(
                    Code::TYPE_MISMATCH,
                    format!("`{}` is a built-in field of type `{builtin}`", name.name),
                )
                .primary(self.file, type_span(ty), format!("not `{builtin}`"))
                .help(format!(
                    "declare it with its own type, `{} : {builtin}`, or give a new field another name",
                    name.name
                )),
            ),
            Some(Restated::Untyped) => self.diagnostics.push(
                Diagnostic::error(
                    Code::TYPE_MISMATCH,
                    format!(
                        "`{}` is a built-in field of {}, set without a type",
                        name.name,
                        body.describe()
                    ),
                )
                .primary(self.file, type_span(ty), "a type, where none is written")
                .help(format!(
                    "write `{} = ...`, or give a new field another name",
                    name.name
                )),
            ),
            None => {}
        }
    }

    /// `P0701` for `+=` or `-=` on a built-in field that holds one value
    /// (`bake += [1h]`): there is no list to add to or take from (R38).
    fn list_edit_of_single_value(
        &mut self,
        name: &Ident,
        op: AssignOp,
        value: &crate::syntax::ast::Expr,
        what: &str,
    ) {
        let symbol = if op == AssignOp::Append { "+=" } else { "-=" };
        self.diagnostics.push(
            Diagnostic::error(
                Code::TYPE_MISMATCH,
                format!(
                    "`{symbol}` needs a list field, but `{}` is {what}",
                    name.name
                ),
            )
            .primary(self.file, value.span, format!("`{symbol}` on {what}"))
            .note("`+=` and `-=` add items to a list or take them out (RFC 0001, R38)")
            .help(format!(
                "`{0}` holds one value: replace it with `{0} = ...`",
                name.name
            )),
        );
    }

    /// `P0103` for a field a body both gives whole (`=`) and edits (`+=`,
    /// `-=`): the edits would apply to the body's own list, which already
    /// says what it holds (R7).
    fn whole_and_edited(&mut self, again: &Member, first: &Member, name: &str) {
        self.diagnostics.push(
            Diagnostic::error(
                Code::DUPLICATE_DEFINITION,
                format!("`{name}` is both assigned and edited in one body"),
            )
            .primary(self.file, again.span, "written again here")
            .secondary(self.file, first.span, "first written here")
            .help(format!(
                "write the whole list with `{name} = [...]`, or only `+=` and `-=` to change the inherited one"
            )),
        );
    }

    fn duplicate_member(&mut self, again: &Member, first: &Member, body: Body) {
        let (again_span, first_span) = (head_span(again), head_span(first));
        let what = again.kind.describe();
        let title = match (&again.kind, again.kind.name()) {
            (MemberKind::Deploy { artifacts, .. }, _) => format!(
                "{what} of `{}` is written twice in {}",
                deployed_set(artifacts),
                body.describe()
            ),
            (_, Some(name)) => format!(
                "{what} named `{}` is declared twice in {}",
                name.name,
                body.describe()
            ),
            (_, None) => format!("{what} is written twice in {}", body.describe()),
        };
        self.diagnostics.push(
            Diagnostic::error(Code::DUPLICATE_DEFINITION, title)
                .primary(self.file, again_span, "declared again here")
                .secondary(self.file, first_span, "first declared here")
                .help(
                    "keep one; to change an inherited member, override it in a child declaration",
                ),
        );
    }
}

/// Where a type is written.
fn type_span(ty: &TypeExpr) -> Span {
    match ty {
        TypeExpr::Named(name) => name.span,
        TypeExpr::List(_, span) => *span,
    }
}

/// Type names a field declaration may use.
const KNOWN_TYPES: &[&str] = &[
    "string", "duration", "percent", "count", "bool", "time", "date", "weekday", "platform",
    "region", "az", "cell", "strategy", "alarm", "registry", "window", "calendar", "artifact",
];

/// The artifacts of a `deploy`, sorted: the set that is its key.
fn deployed_set(artifacts: &[Path]) -> String {
    let mut names: Vec<String> = artifacts.iter().map(Path::to_dotted).collect();
    names.sort();
    names.join(", ")
}

/// The part of a member worth underlining: its first line.
fn head_span(member: &Member) -> Span {
    let end = member.kind.body().map_or(member.span.end, |body| {
        body.span.start.max(member.span.start)
    });
    Span {
        start: member.span.start,
        end,
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A type that names no type (`UTC`, or `[us-east-1]`, a list of one),
/// written as the value it more likely is, with where it is written.
fn unknown_type_as_value(ty: &TypeExpr) -> Option<(String, Span)> {
    match ty {
        TypeExpr::Named(type_name) => (!KNOWN_TYPES.contains(&type_name.name.as_str()))
            .then(|| (type_name.name.clone(), type_name.span)),
        TypeExpr::List(inner, span) => {
            unknown_type_as_value(inner).map(|(value, _)| (format!("[{value}]"), *span))
        }
    }
}

/// What is wrong with the modifiers of `member`, a member of form `form`
/// (`abstract_allowed`: anywhere inside a template, outside its profiles),
/// or with its lack of a value: at most one diagnostic, `P0102` or, for a
/// YAML habit, `P0010`.
fn modifier_problem(
    member: &Member,
    form: Form,
    abstract_allowed: bool,
    file: FileId,
) -> Option<Diagnostic> {
    let mut seen: Vec<ModifierKind> = Vec::new();
    for modifier in &member.modifiers {
        if seen.contains(&modifier.kind) {
            return Some(bad_modifier(
                file,
                modifier.span,
                format!("`{}` is written twice", modifier.kind.keyword()),
                "written again here",
                "remove one",
            ));
        }
        seen.push(modifier.kind);
    }
    if let (Some(modifier), true) = (member.modifiers.first(), form.is_collection()) {
        return Some(bad_modifier(
            file,
            modifier.span,
            format!(
                "`{}` has no meaning on {}",
                modifier.kind.keyword(),
                member.kind.describe()
            ),
            "remove this modifier",
            "statements like `block`, `require`, `exclude` and `remove` have no identity to mark; \
                 they add to what is inherited",
        ));
    }
    // A profile sets its `bake scale` whether or not one is inherited:
    // `new` marks nothing there; `final` freezes it.
    if matches!(form, Form::BakeScale)
        && let Some(modifier) = member
            .modifiers
            .iter()
            .find(|modifier| modifier.kind == ModifierKind::New)
    {
        return Some(bad_modifier(
            file,
            modifier.span,
            format!("`new` has no meaning on {}", member.kind.describe()),
            "remove this modifier",
            "a profile may always set its `bake scale`; `final` is the modifier it takes, \
                 so that no descendant's profile changes it",
        ));
    }
    let abstract_modifier = member
        .modifiers
        .iter()
        .find(|m| m.kind == ModifierKind::Abstract);
    if let Some(modifier) = abstract_modifier {
        return abstract_problem(member, modifier, &seen, abstract_allowed, file);
    }
    let missing_value = match &member.kind {
        MemberKind::FieldDecl {
            value: None,
            name,
            ty,
        } => Some((name, Some(ty))),
        MemberKind::Alarm(AlarmDecl { value: None, name }) => Some((name, None)),
        _ => None,
    };
    if let Some((name, ty)) = missing_value {
        if let Some((value, value_span)) = ty.and_then(unknown_type_as_value) {
            // `zone: UTC` reads as a declaration of type `UTC`, and
            // `regions: [us-east-1]` as one of a list of `us-east-1`s; each
            // is far more likely a YAML habit.
            return Some(
                Diagnostic::error(
                    Code::YAML_HABIT,
                    "`key: value` is YAML; `.pipe` assigns with `=`",
                )
                .primary(
                    file,
                    name.span.to(value_span),
                    "read as a field declaration",
                )
                .help(format!("write `{} = {value}`", name.name))
                .suggest(
                    "Change `:` to `=`",
                    file,
                    name.span.to(value_span),
                    format!("{} = {value}", name.name),
                ),
            );
        }
        return Some(
                Diagnostic::error(
                    Code::INVALID_MODIFIER,
                    format!("{} `{}` has no value and is not abstract", member.kind.describe(), name.name),
                )
                .primary(file, member.span, "no value given")
                .help("give it a value with `= ...`, or write `abstract` in front to make descendants bind it"),
            );
    }
    None
}

/// What is wrong with `abstract` on `member` (`allowed`: anywhere inside
/// a template, outside its profiles), if anything: `P0102`.
fn abstract_problem(
    member: &Member,
    modifier: &Modifier,
    seen: &[ModifierKind],
    allowed: bool,
    file: FileId,
) -> Option<Diagnostic> {
    let value_span = match &member.kind {
        MemberKind::FieldDecl { value, .. } => value.as_ref().map(|value| value.span),
        MemberKind::Alarm(alarm) => alarm.value.as_ref().map(|value| value.span),
        MemberKind::FieldAssign { value, .. } => Some(value.span),
        _ => None,
    };
    let title = if !allowed {
        "abstract members are declared in templates only".to_string()
    } else if seen.contains(&ModifierKind::Final) {
        "a member cannot be both `abstract` and `final`".to_string()
    } else if let MemberKind::FieldAssign { name, .. } = &member.kind {
        format!(
            "an abstract field is declared with its type, not a value: `abstract {} : TYPE`",
            name.name
        )
    } else if value_span.is_some() {
        "an abstract member cannot have a value".to_string()
    } else if !matches!(
        member.kind,
        MemberKind::FieldDecl { .. } | MemberKind::Alarm(_)
    ) {
        format!("{} cannot be abstract", member.kind.describe())
    } else {
        return None;
    };
    let help = if !allowed {
        "give the member a value here, or declare it abstract in the template this extends"
    } else if seen.contains(&ModifierKind::Final) {
        "an abstract member must be bound by a descendant, which `final` forbids"
    } else if matches!(member.kind, MemberKind::FieldAssign { .. }) {
        "declare the type here and let each pipeline bind the value, e.g. `abstract bake : duration`"
    } else if value_span.is_some() {
        "remove `abstract` to give a default value, or remove the value"
    } else {
        "only fields (`abstract name : type`) and alarms (`abstract alarm name`) can be abstract"
    };
    let mut diagnostic = Diagnostic::error(Code::INVALID_MODIFIER, title).primary(
        file,
        modifier.span,
        "`abstract` here",
    );
    if let (Some(span), true) = (value_span, allowed) {
        diagnostic = diagnostic.secondary(file, span, "a value");
    }
    Some(diagnostic.help(help))
}

fn bad_modifier(file: FileId, span: Span, message: String, label: &str, help: &str) -> Diagnostic {
    Diagnostic::error(Code::INVALID_MODIFIER, message)
        .primary(file, span, label.to_string())
        .help(help.to_string())
}
