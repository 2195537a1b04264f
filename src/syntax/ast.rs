//! The syntax tree of a `.pipe` file: the project's own types, with a byte
//! span on every node. Nothing here knows pest.
//!
//! The tree stays close to the text: every body is a [`Block`] of
//! [`Member`]s, and which members a body may hold is checked later, so that
//! a misplaced member gets a message naming its body.

use crate::source::Span;

/// A parsed file: its declarations and its comments.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct File {
    /// Top-level declarations that parsed, in source order.
    pub items: Vec<Item>,
    /// Every comment, in source order, for the formatter and editors.
    pub comments: Vec<Comment>,
    /// The names of top-level declarations that did not parse (their
    /// syntax error is reported): a reference to one is not a second
    /// mistake.
    pub broken_names: Vec<String>,
}

/// A `//` comment. Its text is read from the source when asked for:
/// only the formatter and editors read it, and a tree kept for checking
/// holds no copy of every comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Comment {
    /// The comment including its `//` (and no line ending).
    pub span: Span,
}

impl Comment {
    /// The text after `//`, read from `source`, the text the comment was
    /// scanned from.
    pub fn text<'s>(&self, source: &'s str) -> &'s str {
        source
            .get(self.span.start() + 2..self.span.end())
            .unwrap_or("")
    }
}

/// A name with its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ident {
    /// The name.
    pub name: String,
    /// Where it is written.
    pub span: Span,
}

/// A dotted name such as `aws.large_scale_event`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Path {
    /// The parts, at least one.
    pub segments: Vec<Ident>,
    /// The whole path.
    pub span: Span,
}

impl Path {
    /// The path as written, with dots.
    pub fn to_dotted(&self) -> String {
        let mut dotted = String::new();
        for (index, ident) in self.segments.iter().enumerate() {
            if index > 0 {
                dotted.push('.');
            }
            dotted.push_str(&ident.name);
        }
        dotted
    }

    /// Whether the path, with dots, is `dotted`: [`Self::to_dotted`]
    /// compared, without building the string.
    pub fn is_dotted(&self, dotted: &str) -> bool {
        let mut rest = dotted;
        for (index, ident) in self.segments.iter().enumerate() {
            if index > 0 {
                let Some(after) = rest.strip_prefix('.') else {
                    return false;
                };
                rest = after;
            }
            let Some(after) = rest.strip_prefix(ident.name.as_str()) else {
                return false;
            };
            rest = after;
        }
        rest.is_empty()
    }
}

/// A top-level declaration.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// What it declares.
    pub kind: ItemKind,
    /// The whole declaration.
    pub span: Span,
}

/// The kinds of top-level declaration.
#[derive(Debug, Clone, PartialEq)]
pub enum ItemKind {
    /// `import "std/aws" as aws`
    Import(Import),
    /// `registry aws { ... }`
    Registry(Decl),
    /// `calendar us_holidays { ... }`
    Calendar(Decl),
    /// `window business_hours { ... }`
    Window(Decl),
    /// `alarm name = expr`
    Alarm(AlarmDecl),
    /// `template Service { ... }`
    Template(Decl),
    /// `pipeline orders_api extends Service { ... }`
    Pipeline(Decl),
    /// `policy acme { ... }`
    Policy(Decl),
}

impl ItemKind {
    /// The keyword that introduces this declaration.
    pub fn keyword(&self) -> &'static str {
        match self {
            ItemKind::Import(_) => "import",
            ItemKind::Registry(_) => "registry",
            ItemKind::Calendar(_) => "calendar",
            ItemKind::Window(_) => "window",
            ItemKind::Alarm(_) => "alarm",
            ItemKind::Template(_) => "template",
            ItemKind::Pipeline(_) => "pipeline",
            ItemKind::Policy(_) => "policy",
        }
    }

    /// The declared name, for everything but imports.
    pub fn name(&self) -> Option<&Ident> {
        match self {
            ItemKind::Import(_) => None,
            ItemKind::Alarm(alarm) => Some(&alarm.name),
            ItemKind::Registry(decl)
            | ItemKind::Calendar(decl)
            | ItemKind::Window(decl)
            | ItemKind::Template(decl)
            | ItemKind::Pipeline(decl)
            | ItemKind::Policy(decl) => Some(&decl.name),
        }
    }

    /// The declaration's body, for everything but imports and alarms.
    pub fn body(&self) -> Option<&Block> {
        match self {
            ItemKind::Import(_) | ItemKind::Alarm(_) => None,
            ItemKind::Registry(decl)
            | ItemKind::Calendar(decl)
            | ItemKind::Window(decl)
            | ItemKind::Template(decl)
            | ItemKind::Pipeline(decl)
            | ItemKind::Policy(decl) => Some(&decl.body),
        }
    }
}

/// `import "path" as alias`
#[derive(Debug, Clone, PartialEq)]
pub struct Import {
    /// The path as written.
    pub path: StringLit,
    /// The name the module is bound to, when given.
    pub alias: Option<Ident>,
}

impl Import {
    /// The name the module is bound to, with where it is written: the
    /// `as` alias, else the stem of the path (`aws` for `"std/aws"`,
    /// `service` for `"../team/service.pipe"`), placed at the path.
    /// `None` for a path that interpolates, which binds nothing.
    pub fn bound_name(&self) -> Option<Ident> {
        if let Some(alias) = &self.alias {
            return Some(alias.clone());
        }
        let path = self.path.as_plain_str()?;
        Some(Ident {
            name: module_stem(&path),
            span: self.path.span,
        })
    }
}

/// The name a module of `path` is bound to without `as`: the file's stem.
pub fn module_stem(path: &str) -> String {
    std::path::Path::new(path).file_stem().map_or_else(
        || path.to_string(),
        |stem| stem.to_string_lossy().into_owned(),
    )
}

/// A named declaration with an optional parent and a body.
#[derive(Debug, Clone, PartialEq)]
pub struct Decl {
    /// The declared name.
    pub name: Ident,
    /// `extends PARENT`.
    pub extends: Option<Path>,
    /// The body.
    pub body: Block,
}

/// `alarm NAME = EXPR`; the value is absent in `abstract alarm NAME`.
#[derive(Debug, Clone, PartialEq)]
pub struct AlarmDecl {
    /// The alarm's name.
    pub name: Ident,
    /// Its expression.
    pub value: Option<Expr>,
}

/// A brace-delimited body.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Block {
    /// The members, in source order.
    pub members: Vec<Member>,
    /// From `{` to `}`.
    pub span: Span,
}

/// A modifier in front of a member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModifierKind {
    /// Declared without a value; a concrete pipeline must bind it.
    Abstract,
    /// Cannot be overridden by descendants.
    Final,
    /// Declared new in a child: it overrides nothing on purpose.
    New,
}

impl ModifierKind {
    /// The keyword.
    pub fn keyword(self) -> &'static str {
        match self {
            ModifierKind::Abstract => "abstract",
            ModifierKind::Final => "final",
            ModifierKind::New => "new",
        }
    }
}

/// A modifier with its place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Modifier {
    /// Which modifier.
    pub kind: ModifierKind,
    /// Where it is written.
    pub span: Span,
}

/// One member of a body.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    /// `abstract`, `final`, `new`, in source order.
    pub modifiers: Vec<Modifier>,
    /// What the member says.
    pub kind: MemberKind,
    /// The whole member, modifiers included.
    pub span: Span,
}

/// The forms a member can take.
#[derive(Debug, Clone, PartialEq)]
pub enum MemberKind {
    /// `NAME : TYPE [= EXPR]`
    FieldDecl {
        /// The field.
        name: Ident,
        /// Its declared type.
        ty: TypeExpr,
        /// Its value, absent for `abstract` fields.
        value: Option<Expr>,
    },
    /// `NAME = EXPR`, `NAME += EXPR`, `NAME -= EXPR`
    FieldAssign {
        /// The field.
        name: Ident,
        /// Replace, append or remove.
        op: AssignOp,
        /// The value.
        value: Expr,
    },
    /// `alarm NAME [= EXPR]`
    Alarm(AlarmDecl),
    /// `source NAME = EXPR [{ ... }]`
    Source {
        /// The source's name.
        name: Ident,
        /// Where it comes from, e.g. `git("repo", branch: "main")`.
        origin: Expr,
        /// Settings such as `require review`.
        body: Option<Block>,
    },
    /// `build NAME [from A, B] [{ ... }]`
    Build {
        /// The build's name (and its artifact's, by default).
        name: Ident,
        /// The sources or artifacts it consumes.
        inputs: Vec<Path>,
        /// Settings such as `run` and `sign`.
        body: Option<Block>,
    },
    /// `stage NAME { ... }`
    Stage {
        /// The stage's name.
        name: Ident,
        /// Its members.
        body: Block,
    },
    /// `production { ... }`
    Production {
        /// Its members.
        body: Block,
    },
    /// `wave NAME { ... }`
    Wave {
        /// The wave's name.
        name: Ident,
        /// Its members.
        body: Block,
    },
    /// `onebox [{ ... }]`
    Onebox {
        /// Its settings.
        body: Option<Block>,
    },
    /// `test NAME [{ ... }]`
    Test {
        /// The test's name.
        name: Ident,
        /// Its settings.
        body: Option<Block>,
    },
    /// `deploy A[, B] [{ ... }]`
    Deploy {
        /// The artifacts deployed.
        artifacts: Vec<Path>,
        /// Its settings.
        body: Option<Block>,
    },
    /// `profile NAME { ... }`
    Profile {
        /// The profile's name.
        name: Ident,
        /// Its overrides.
        body: Block,
    },
    /// `rollback on EXPR`
    Rollback {
        /// The alarm expression.
        alarm: Expr,
    },
    /// `block on A [overridable], B [overridable]`
    BlockOn {
        /// The alarm blockers.
        blockers: Vec<Blocker>,
    },
    /// `block artifacts containing package|git "..." [overridable]`
    BlockArtifact(ArtifactBlocker),
    /// `window NAME [overridable]` or `window { ... }`
    WindowUse(WindowUse),
    /// `window NAME [overridable] for profile PROFILE`: the window that
    /// gates the body instead of its own while `PROFILE` is selected.
    ProfileWindow {
        /// The window declaration.
        window: Path,
        /// Whether a person may override it.
        overridable: bool,
        /// The profile it is approved for.
        profile: Ident,
    },
    /// `require EXPR`, e.g. `require review`
    Require {
        /// What is required.
        requirement: Expr,
    },
    /// `wait for N METRIC`
    WaitFor {
        /// How many data points.
        count: Literal,
        /// Which metric, e.g. `requests("CreateApi")`.
        metric: Expr,
    },
    /// `by az [{ ... }]`
    Scope {
        /// `az` or `cell`.
        unit: Ident,
        /// Settings per AZ or cell.
        body: Option<Block>,
    },
    /// `exclude REGIONS because "reason"`
    Exclude {
        /// The regions left out.
        regions: Expr,
        /// Why.
        reason: StringLit,
    },
    /// `bake scale 25%`
    BakeScale {
        /// The factor.
        factor: Literal,
    },
    /// `traffic <= 10%`
    TrafficLimit {
        /// The share of traffic.
        share: Expr,
    },
    /// `region us-east-1 [{ ... }]`
    Region {
        /// The region's code.
        name: Ident,
        /// Its attributes.
        body: Option<Block>,
    },
    /// `holiday 2026-12-25 "Christmas Day"`
    Holiday {
        /// The date.
        date: Literal,
        /// Its name.
        label: StringLit,
    },
    /// `include other_calendar`
    Include {
        /// The calendar included.
        calendar: Path,
    },
    /// `deny a, b` / `warn a` / `allow a`
    Level {
        /// The level set.
        level: PolicyLevel,
        /// The rules it applies to.
        rules: Vec<Ident>,
    },
    /// `exempt PIPELINE from RULE { ... }`
    Exempt {
        /// The pipeline exempted.
        pipeline: Path,
        /// The rule it is exempt from.
        rule: Ident,
        /// `reason` and `expires`.
        body: Block,
    },
    /// `under PROFILE { LEVEL RULE, ...; reason = "..."; expires = DATE }`:
    /// levels that apply only while the profile is selected.
    Under {
        /// The profile.
        profile: Ident,
        /// Its levels, `reason` and `expires`.
        body: Block,
    },
    /// `floor NAME = EXPR`
    Floor {
        /// The quantity bounded, e.g. `bake`.
        name: Ident,
        /// The lowest value allowed.
        value: Expr,
    },
    /// `env NAME = VALUE`: an environment variable of a command, a string
    /// or `secret("NAME")`.
    Env {
        /// The variable's name.
        name: Ident,
        /// Its value.
        value: Expr,
    },
    /// `remove KIND NAME`
    Remove {
        /// The kind of member removed, e.g. `stage`.
        keyword: Ident,
        /// Its name.
        name: Ident,
    },
}

impl MemberKind {
    /// A short description for messages, e.g. "a wave".
    pub fn describe(&self) -> &'static str {
        match self {
            MemberKind::FieldDecl { .. } => "a field declaration",
            MemberKind::FieldAssign { .. } => "a field",
            MemberKind::Alarm(_) => "an alarm",
            MemberKind::Source { .. } => "a source",
            MemberKind::Build { .. } => "a build",
            MemberKind::Stage { .. } => "a stage",
            MemberKind::Production { .. } => "a production block",
            MemberKind::Wave { .. } => "a wave",
            MemberKind::Onebox { .. } => "a one-box",
            MemberKind::Test { .. } => "a test",
            MemberKind::Deploy { .. } => "a deploy",
            MemberKind::Profile { .. } => "a profile",
            MemberKind::Rollback { .. } => "a rollback alarm",
            MemberKind::BlockOn { .. } => "an alarm blocker",
            MemberKind::BlockArtifact(_) => "an artifact blocker",
            MemberKind::WindowUse(_) => "a window",
            MemberKind::ProfileWindow { .. } => "a window approved for a profile",
            MemberKind::Require { .. } => "a requirement",
            MemberKind::WaitFor { .. } => "a data-point wait",
            MemberKind::Scope { .. } => "a `by` scope",
            MemberKind::Exclude { .. } => "an exclusion",
            MemberKind::BakeScale { .. } => "a bake scale",
            MemberKind::TrafficLimit { .. } => "a traffic limit",
            MemberKind::Region { .. } => "a region",
            MemberKind::Holiday { .. } => "a holiday",
            MemberKind::Include { .. } => "an include",
            MemberKind::Level { .. } => "a policy level",
            MemberKind::Exempt { .. } => "an exemption",
            MemberKind::Under { .. } => "levels under a profile",
            MemberKind::Floor { .. } => "a floor",
            MemberKind::Remove { .. } => "a removal",
            MemberKind::Env { .. } => "an environment variable",
        }
    }

    /// The member's name, for members merged by name.
    pub fn name(&self) -> Option<&Ident> {
        match self {
            MemberKind::FieldDecl { name, .. }
            | MemberKind::FieldAssign { name, .. }
            | MemberKind::Source { name, .. }
            | MemberKind::Build { name, .. }
            | MemberKind::Stage { name, .. }
            | MemberKind::Wave { name, .. }
            | MemberKind::Test { name, .. }
            | MemberKind::Profile { name, .. }
            | MemberKind::Region { name, .. }
            | MemberKind::Env { name, .. } => Some(name),
            MemberKind::Alarm(alarm) => Some(&alarm.name),
            _ => None,
        }
    }

    /// The member's body, if it has one.
    pub fn body(&self) -> Option<&Block> {
        match self {
            MemberKind::Source { body, .. }
            | MemberKind::Build { body, .. }
            | MemberKind::Onebox { body }
            | MemberKind::Test { body, .. }
            | MemberKind::Deploy { body, .. }
            | MemberKind::Scope { body, .. }
            | MemberKind::Region { body, .. } => body.as_ref(),
            MemberKind::Stage { body, .. }
            | MemberKind::Production { body }
            | MemberKind::Wave { body, .. }
            | MemberKind::Profile { body, .. }
            | MemberKind::Exempt { body, .. }
            | MemberKind::Under { body, .. } => Some(body),
            MemberKind::WindowUse(WindowUse::Inline(body)) => Some(body),
            _ => None,
        }
    }
}

/// How a field assignment changes the inherited value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssignOp {
    /// `=`: replace.
    Replace,
    /// `+=`: append to a list.
    Append,
    /// `-=`: remove from a list.
    Remove,
}

/// One alarm blocker.
#[derive(Debug, Clone, PartialEq)]
pub struct Blocker {
    /// The alarm expression that blocks when in alarm.
    pub alarm: Expr,
    /// Whether a person may override it.
    pub overridable: bool,
    /// The whole item.
    pub span: Span,
}

/// What an artifact blocker matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArtifactKind {
    /// `package "name@version"`
    Package,
    /// `git "ref"`
    Git,
}

/// `block artifacts containing package "libjson@2.3.1"`
#[derive(Debug, Clone, PartialEq)]
pub struct ArtifactBlocker {
    /// Package or git ref.
    pub kind: ArtifactKind,
    /// What is blocked.
    pub pattern: StringLit,
    /// Whether a person may override it.
    pub overridable: bool,
}

/// The window that gates a stage or production.
#[derive(Debug, Clone, PartialEq)]
pub enum WindowUse {
    /// `window NAME [overridable]`
    Named {
        /// The window declaration.
        window: Path,
        /// Whether a person may override it.
        overridable: bool,
    },
    /// `window { ... }`
    Inline(Block),
}

/// `deny`, `warn` or `allow`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyLevel {
    /// A finding is an error.
    Deny,
    /// A finding is a warning.
    Warn,
    /// The rule is off.
    Allow,
}

/// A type written in a field declaration: `string`, `[region]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeExpr {
    /// A named type.
    Named(Ident),
    /// A list of another type.
    List(Box<TypeExpr>, Span),
}

/// An expression with its place.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// What it is.
    pub kind: ExprKind,
    /// Where it is written.
    pub span: Span,
}

/// The kinds of expression.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// A literal value.
    Literal(Literal),
    /// A name, possibly dotted.
    Path(Path),
    /// `[a, b]`
    List(Vec<Expr>),
    /// `f(x, key: y)`
    Call {
        /// The function.
        callee: Path,
        /// The arguments.
        args: Vec<Arg>,
    },
    /// `rest`: the regions of the registry not placed elsewhere.
    Rest,
    /// `a or b or c` (at least two operands).
    Or(Vec<Expr>),
    /// `a and b and c` (at least two operands).
    And(Vec<Expr>),
    /// `not a`
    Not(Box<Expr>),
    /// `a == b`, `a != b`, `a in b`
    Compare {
        /// The comparison.
        op: CompareOp,
        /// Left side.
        lhs: Box<Expr>,
        /// Right side.
        rhs: Box<Expr>,
    },
    /// `a union b minus c`, left to right.
    SetOps {
        /// The first operand.
        first: Box<Expr>,
        /// Each further operator with its operand.
        rest: Vec<(SetOp, Expr)>,
    },
    /// A value that could not be read; its problem is already reported,
    /// so later passes accept it silently.
    Invalid,
    /// `base where cond take n ...`
    Postfix {
        /// The set filtered.
        base: Box<Expr>,
        /// The filters, in order.
        ops: Vec<PostfixOp>,
    },
}

/// A call argument, positional or named.
#[derive(Debug, Clone, PartialEq)]
pub struct Arg {
    /// `name:` for a named argument.
    pub name: Option<Ident>,
    /// The value.
    pub value: Expr,
}

impl Arg {
    /// The first positional argument of `args` written after a named one:
    /// calls take positional arguments first, and one after a named one
    /// would be read by a position the reader cannot see.
    pub fn late_positional(args: &[Arg]) -> Option<&Arg> {
        args.iter()
            .skip_while(|arg| arg.name.is_none())
            .find(|arg| arg.name.is_none())
    }
}

/// A comparison in a filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `in`
    In,
}

/// A set operation on region sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetOp {
    /// `union`
    Union,
    /// `intersect`
    Intersect,
    /// `minus`
    Minus,
}

/// A filter applied to a region set.
#[derive(Debug, Clone, PartialEq)]
pub enum PostfixOp {
    /// `where COND`
    Where(Expr),
    /// `take N`
    Take(Literal),
}

/// A literal value with its place.
#[derive(Debug, Clone, PartialEq)]
pub struct Literal {
    /// The value.
    pub value: LiteralValue,
    /// Where it is written.
    pub span: Span,
}

/// A day of the week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Weekday {
    /// Monday.
    Mon,
    /// Tuesday.
    Tue,
    /// Wednesday.
    Wed,
    /// Thursday.
    Thu,
    /// Friday.
    Fri,
    /// Saturday.
    Sat,
    /// Sunday.
    Sun,
}

/// A time of day in minutes since midnight, `00:00` to `24:00`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct TimeOfDay {
    /// Minutes since midnight (0..=1440).
    pub minutes: u16,
}

/// A calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    /// Year.
    pub year: u16,
    /// Month, 1..=12.
    pub month: u8,
    /// Day, 1..=31 (valid for the month).
    pub day: u8,
}

/// The values a literal can have.
#[derive(Debug, Clone, PartialEq)]
pub enum LiteralValue {
    /// `"text ${name}"`
    String(StringLit),
    /// `100`, `3_000`
    Count(u64),
    /// `33%`, `2.5%`, in hundredths of a percent.
    Percent(u32),
    /// `1h30m`, in seconds.
    Duration(u64),
    /// `true`, `false`
    Bool(bool),
    /// `09:00`
    Time(TimeOfDay),
    /// `09:00..16:00`
    TimeRange(TimeOfDay, TimeOfDay),
    /// `2026-12-25`
    Date(Date),
    /// `2026-12-20..2027-01-04`
    DateRange(Date, Date),
    /// `mon..thu 09:00..16:00`, `fri`
    WeekdaySlot {
        /// First day.
        first: Weekday,
        /// Last day, for a range.
        last: Option<Weekday>,
        /// Hours, when limited.
        hours: Option<(TimeOfDay, TimeOfDay)>,
    },
}

/// A string literal made of text and `${name}` interpolations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StringLit {
    /// The pieces, in order.
    pub parts: Vec<StringPart>,
    /// Quotes included.
    pub span: Span,
}

impl StringLit {
    /// The text if the string has no interpolation.
    pub fn as_plain(&self) -> Option<String> {
        self.as_plain_str().map(std::borrow::Cow::into_owned)
    }

    /// [`Self::as_plain`], borrowed when the string is one piece of text
    /// (as almost every string is), so that reading it allocates nothing.
    pub fn as_plain_str(&self) -> Option<std::borrow::Cow<'_, str>> {
        match self.parts.as_slice() {
            [] => Some(std::borrow::Cow::Borrowed("")),
            [StringPart::Text(text)] => Some(std::borrow::Cow::Borrowed(text)),
            parts => {
                let mut out = String::new();
                for part in parts {
                    match part {
                        StringPart::Text(text) => out.push_str(text),
                        StringPart::Interpolation(_) => return None,
                    }
                }
                Some(std::borrow::Cow::Owned(out))
            }
        }
    }
}

/// A piece of a string literal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StringPart {
    /// Text, escapes resolved.
    Text(String),
    /// `${path}`
    Interpolation(Path),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(names: &[&str]) -> Path {
        Path {
            segments: names
                .iter()
                .map(|name| Ident {
                    name: (*name).to_string(),
                    span: Span::at(0),
                })
                .collect(),
            span: Span::at(0),
        }
    }

    #[test]
    fn a_path_is_the_dotted_string_it_writes_and_no_other() {
        let cases: [&[&str]; 4] = [
            &["ALARM"],
            &["aws", "large_scale_event"],
            &["a", "b", "c"],
            &[],
        ];
        let candidates = [
            "ALARM",
            "ALARMS",
            "ALAR",
            "aws.large_scale_event",
            "aws.large_scale_event.x",
            "aws",
            "awslarge_scale_event",
            "a.b.c",
            "a.b",
            "a..b.c",
            "",
            ".",
        ];
        for names in cases {
            let path = path(names);
            for candidate in candidates {
                assert_eq!(
                    path.is_dotted(candidate),
                    path.to_dotted() == candidate,
                    "{names:?} against {candidate:?}"
                );
            }
        }
    }
}
