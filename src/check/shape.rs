//! Shape checks: each body holds only the members it can hold, modifiers are
//! used where they mean something, and no name is declared twice in one
//! scope. They need nothing but one file's tree, so `pipec check` runs them
//! on every file, even one with syntax errors elsewhere.

use crate::diagnostics::{Code, Diagnostic};
use crate::source::{FileId, Span};
use crate::syntax::ast::*;
use std::collections::BTreeMap;

/// The kinds of body, for saying what a body may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Body {
    Registry,
    Region,
    Calendar,
    Window,
    Template,
    Pipeline,
    Policy,
    Exempt,
    Source,
    Build,
    Stage,
    Production,
    Wave,
    Onebox,
    Test,
    Deploy,
    Scope,
    Profile,
}

/// Member kinds, by name, as the messages list them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
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
    Floor,
    Remove,
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
            MemberKind::Floor { .. } => Form::Floor,
            MemberKind::Remove { .. } => Form::Remove,
        }
    }

    fn syntax(self) -> &'static str {
        match self {
            Form::Field => "fields (`name = value`)",
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
            Form::Floor => "`floor`",
            Form::Remove => "`remove`",
        }
    }

    /// Statements that add to a collection; they have no identity, so
    /// modifiers mean nothing on them.
    fn is_collection(self) -> bool {
        matches!(
            self,
            Form::Block
                | Form::Require
                | Form::Exclude
                | Form::Wait
                | Form::Level
                | Form::Exempt
                | Form::Floor
                | Form::Holiday
                | Form::Include
                | Form::Remove
                | Form::BakeScale
        )
    }
}

impl Body {
    fn describe(self) -> &'static str {
        match self {
            Body::Registry => "a registry",
            Body::Region => "a region",
            Body::Calendar => "a calendar",
            Body::Window => "a window",
            Body::Template => "a template",
            Body::Pipeline => "a pipeline",
            Body::Policy => "a policy",
            Body::Exempt => "an exemption",
            Body::Source => "a source",
            Body::Build => "a build",
            Body::Stage => "a stage",
            Body::Production => "`production`",
            Body::Wave => "a wave",
            Body::Onebox => "a one-box",
            Body::Test => "a test",
            Body::Deploy => "a deploy",
            Body::Scope => "a `by` scope",
            Body::Profile => "a profile",
        }
    }

    fn allowed(self) -> &'static [Form] {
        use Form::*;
        match self {
            Body::Registry => &[Field, Region, Remove],
            Body::Calendar => &[Holiday, Include],
            Body::Policy => &[Level, Exempt, Floor],
            Body::Region | Body::Window | Body::Exempt | Body::Build | Body::Test | Body::Deploy => {
                &[Field]
            }
            Body::Source => &[Field, Require],
            Body::Template | Body::Pipeline => {
                &[Field, Alarm, Source, Build, Stage, Production, Profile, Remove]
            }
            Body::Profile => &[
                Field, Alarm, Source, Build, Stage, Production, Remove, BakeScale, Require,
            ],
            Body::Stage => &[
                Field, Deploy, Test, Onebox, Require, Wait, Rollback, Block, Window, Remove,
            ],
            Body::Production => &[
                Field, Deploy, Test, Onebox, Require, Rollback, Block, Window, Wave, Exclude, Remove,
            ],
            Body::Wave => &[Field, Scope, Wait, Onebox, Rollback, Test, Require, Remove],
            Body::Onebox => &[Field, Traffic, Rollback, Wait, Test],
            Body::Scope => &[Field, Wait],
        }
    }

    /// The body of a member of this body, if the member has one.
    fn child(member: &MemberKind) -> Option<Body> {
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
            MemberKind::Scope { .. } => Body::Scope,
            MemberKind::Region { .. } => Body::Region,
            MemberKind::Exempt { .. } => Body::Exempt,
            MemberKind::WindowUse(WindowUse::Inline(_)) => Body::Window,
            _ => return None,
        })
    }
}

struct ShapeChecker {
    file: FileId,
    diagnostics: Vec<Diagnostic>,
}

/// Checks one file's tree and returns what it found.
pub fn check_shape(tree: &File, file: FileId) -> Vec<Diagnostic> {
    let mut checker = ShapeChecker {
        file,
        diagnostics: Vec::new(),
    };
    checker.check_items(&tree.items);
    checker.diagnostics
}

impl ShapeChecker {
    fn check_items(&mut self, items: &[Item]) {
        let mut seen: BTreeMap<&str, &Ident> = BTreeMap::new();
        for item in items {
            if let Some(name) = item.kind.name() {
                if let Some(first) = seen.get(name.name.as_str()) {
                    self.duplicate(name, first, "top-level declaration");
                } else {
                    seen.insert(&name.name, name);
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
                ItemKind::Template(decl) => self.check_block(&decl.body, Body::Template),
                ItemKind::Pipeline(decl) => self.check_block(&decl.body, Body::Pipeline),
                ItemKind::Policy(decl) => self.check_block(&decl.body, Body::Policy),
            }
        }
    }

    fn check_block(&mut self, block: &Block, body: Body) {
        let mut seen: BTreeMap<(Form, &str), &Member> = BTreeMap::new();
        for member in &block.members {
            let form = Form::of(&member.kind);
            if !body.allowed().contains(&form) {
                self.not_allowed(member, form, body);
                continue;
            }
            self.check_modifiers(member, form, body);
            if let Some(key) = identity(&member.kind) {
                let key = (form, key);
                if let Some(first) = seen.get(&key) {
                    self.duplicate_member(member, first);
                } else {
                    seen.insert(key, member);
                }
            }
            if let MemberKind::Scope { unit, .. } = &member.kind {
                if unit.name != "az" && unit.name != "cell" {
                    self.diagnostics.push(
                        Diagnostic::error(Code::UNKNOWN_SCOPE, format!("unknown scope `{}`", unit.name))
                            .primary(self.file, unit.span, "expected `az` or `cell`")
                            .help("write `by az` or `by cell`; without `by`, a wave deploys each region whole"),
                    );
                }
            }
            if let (Some(child), Some(child_block)) = (Body::child(&member.kind), member.kind.body()) {
                self.check_block(child_block, child);
            }
        }
    }

    fn check_modifiers(&mut self, member: &Member, form: Form, body: Body) {
        let mut seen: Vec<ModifierKind> = Vec::new();
        for modifier in &member.modifiers {
            if seen.contains(&modifier.kind) {
                self.bad_modifier(modifier.span, format!("`{}` is written twice", modifier.kind.keyword()), "remove one");
            }
            seen.push(modifier.kind);
        }
        if let Some(modifier) = member.modifiers.first() {
            if form.is_collection() {
                self.bad_modifier(
                    modifier.span,
                    format!("`{}` has no meaning on {}", modifier.kind.keyword(), member.kind.describe()),
                    "collection statements are added to what is inherited; remove the modifier",
                );
            }
        }
        let is_abstract = seen.contains(&ModifierKind::Abstract);
        if is_abstract && seen.contains(&ModifierKind::Final) {
            self.bad_modifier(
                member.span,
                "a member cannot be both `abstract` and `final`".to_string(),
                "an abstract member must be bound by a descendant, which `final` forbids",
            );
        }
        if is_abstract && body == Body::Pipeline {
            self.bad_modifier(
                member.span,
                "a pipeline cannot declare abstract members".to_string(),
                "give the member a value, or move it to a template",
            );
        }
        let has_value = match &member.kind {
            MemberKind::FieldDecl { value, .. } => Some(value.is_some()),
            MemberKind::Alarm(alarm) => Some(alarm.value.is_some()),
            _ => None,
        };
        match (is_abstract, has_value) {
            (true, Some(true)) => self.bad_modifier(
                member.span,
                "an abstract member cannot have a value".to_string(),
                "remove `abstract` to give a default, or remove the value",
            ),
            (true, None) => self.bad_modifier(
                member.span,
                format!("{} cannot be abstract", member.kind.describe()),
                "only fields (`abstract name : type`) and alarms (`abstract alarm name`) can be abstract",
            ),
            (false, Some(false)) => self.bad_modifier(
                member.span,
                format!("{} without a value must be `abstract`", member.kind.describe()),
                "add `abstract` in front, or give it a value",
            ),
            _ => {}
        }
    }

    fn bad_modifier(&mut self, span: Span, message: String, help: &str) {
        self.diagnostics.push(
            Diagnostic::error(Code::INVALID_MODIFIER, message)
                .primary(self.file, span, "modifier misused here")
                .help(help.to_string()),
        );
    }

    fn not_allowed(&mut self, member: &Member, form: Form, body: Body) {
        let accepted: Vec<&str> = body.allowed().iter().map(|form| form.syntax()).collect();
        self.diagnostics.push(
            Diagnostic::error(
                Code::MEMBER_NOT_ALLOWED,
                format!("{} cannot stand in {}", member.kind.describe(), body.describe()),
            )
            .primary(self.file, head_span(member), format!("{} is not allowed here", form.syntax()))
            .help(format!("{} holds {}", capitalise(body.describe()), accepted.join(", "))),
        );
    }

    fn duplicate(&mut self, again: &Ident, first: &Ident, what: &str) {
        self.diagnostics.push(
            Diagnostic::error(Code::DUPLICATE_DEFINITION, format!("`{}` is declared twice", again.name))
                .primary(self.file, again.span, format!("second {what} named `{}`", again.name))
                .secondary(self.file, first.span, "first declared here")
                .help("rename one of them, or merge them into one"),
        );
    }

    fn duplicate_member(&mut self, again: &Member, first: &Member) {
        let (again_span, first_span) = (head_span(again), head_span(first));
        let what = again.kind.describe();
        let title = match again.kind.name() {
            Some(name) => format!("`{}` is declared twice in one body", name.name),
            None => format!("{what} is written twice in one body"),
        };
        self.diagnostics.push(
            Diagnostic::error(Code::DUPLICATE_DEFINITION, title)
                .primary(self.file, again_span, format!("{what} again"))
                .secondary(self.file, first_span, "first written here")
                .help("keep one; to change an inherited member, override it in a child declaration"),
        );
    }
}

/// The key under which a member must be unique in its body: its name for
/// named members, the empty string for singletons, none for collections
/// and for list edits (`+=`, `-=`) that may repeat.
fn identity(kind: &MemberKind) -> Option<&str> {
    match kind {
        MemberKind::FieldAssign { op, name, .. } => (*op == AssignOp::Replace).then_some(name.name.as_str()),
        MemberKind::FieldDecl { name, .. } => Some(name.name.as_str()),
        MemberKind::Production { .. }
        | MemberKind::Onebox { .. }
        | MemberKind::WindowUse(_)
        | MemberKind::Rollback { .. }
        | MemberKind::Scope { .. }
        | MemberKind::TrafficLimit { .. }
        | MemberKind::BakeScale { .. } => Some(""),
        other => other.name().map(|name| name.name.as_str()),
    }
}

/// The part of a member worth underlining: its first line.
fn head_span(member: &Member) -> Span {
    let end = member
        .kind
        .body()
        .map_or(member.span.end, |body| body.span.start.max(member.span.start));
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
