//! A member after merging ([`Resolved`]): its value, who set it and what
//! it replaced (provenance, R44), whether it is final or still abstract.
//! What the merge produces, apart from how it produces it.

use super::ResolvedBlock;
use super::lists::item_key;
use crate::modules::Workspace;
use crate::source::{FileId, Span};
use crate::syntax::ast::{AssignOp, Expr, ExprKind, Member, MemberKind, TypeExpr};
use smallvec::SmallVec;

/// How a value came to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum How {
    /// Written with a value.
    Set,
    /// A value given to an abstract member.
    Bind,
    /// Items appended with `+=`.
    Append,
    /// Items removed with `-=`.
    Remove,
    /// Declared without a value (`abstract`), or a block merged into.
    Declared,
    /// Set by the selected profile, over an inherited value or not.
    Profile,
    /// Scaled by the selected profile's `bake scale`.
    BakeScale,
    /// Raised to a policy's floor.
    Floor,
}

/// Where a value was set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Origin {
    /// The file.
    pub file: FileId,
    /// The member that set it.
    pub span: Span,
    /// How.
    pub how: How,
}

/// A member after merging.
#[derive(Debug, Clone)]
pub struct Resolved<'w> {
    /// The member that last wrote it (its value is the resolved one).
    pub member: &'w Member,
    /// Who set the current value.
    pub origin: Origin,
    /// The values it replaced, newest first (R44). Most members are
    /// written once, or overridden once: that one is held in place,
    /// not allocated (and copied) with every copy of the member.
    pub history: SmallVec<[Origin; 1]>,
    /// Its merged body.
    pub body: Option<Box<ResolvedBlock<'w>>>,
    /// List items after `+=` and `-=`, when the list is literal.
    pub items: Option<Vec<(String, FileId, Span)>>,
    /// The member that last wrote the whole value (`=`), with its file.
    pub base: Option<(&'w Member, FileId)>,
    /// What few members have ([`Rare`]), boxed: a pipeline holds a copy
    /// of every member it changes, and most members are none of final,
    /// abstract, edited with `+=` or `-=`, or declared with a type.
    rare: Option<Box<Rare<'w>>>,
}

/// Where a member's `final` or `abstract` is written, if it is.
pub type KeywordAt = Option<(FileId, Span)>;

/// The parts of a [`Resolved`] that few members have.
#[derive(Debug, Clone, Default)]
struct Rare<'w> {
    /// The `final` keyword that froze it.
    final_at: KeywordAt,
    /// The `abstract` declaration, while the member is unbound.
    abstract_at: KeywordAt,
    /// `+=` and `-=` applied since the value last given whole, in order,
    /// with their files.
    list_ops: Vec<(&'w Member, FileId)>,
    /// The declared type, for a declared field.
    declared: Option<Declared<'w>>,
}

/// Where a field's type was declared.
#[derive(Debug, Clone, Copy)]
pub struct Declared<'w> {
    /// The declared type.
    pub ty: &'w TypeExpr,
    /// The declaring file.
    pub file: FileId,
    /// The declaring member.
    pub span: Span,
}

impl<'w> Resolved<'w> {
    /// A member as first written: `member` set by `origin`, its body,
    /// its literal list items and the value it gives whole, final or
    /// abstract where written so, and its declared type if any.
    pub(super) fn written(
        member: &'w Member,
        origin: Origin,
        body: Option<ResolvedBlock<'w>>,
        items: Option<Vec<(String, FileId, Span)>>,
        base: Option<(&'w Member, FileId)>,
        (final_at, abstract_at): (KeywordAt, KeywordAt),
        declared: Option<Declared<'w>>,
    ) -> Resolved<'w> {
        let rare = (final_at.is_some() || abstract_at.is_some() || declared.is_some()).then(|| {
            Box::new(Rare {
                final_at,
                abstract_at,
                list_ops: Vec::new(),
                declared,
            })
        });
        Resolved {
            member,
            origin,
            history: SmallVec::new(),
            body: body.map(Box::new),
            items,
            base,
            rare,
        }
    }

    fn rare_mut(&mut self) -> &mut Rare<'w> {
        self.rare.get_or_insert_with(Default::default)
    }

    /// The `final` keyword that froze it.
    pub fn final_at(&self) -> KeywordAt {
        self.rare.as_ref().and_then(|rare| rare.final_at)
    }

    pub(super) fn set_final_at(&mut self, at: KeywordAt) {
        if at.is_some() || self.rare.is_some() {
            self.rare_mut().final_at = at;
        }
    }

    /// The `abstract` declaration, while the member is unbound.
    pub fn abstract_at(&self) -> KeywordAt {
        self.rare.as_ref().and_then(|rare| rare.abstract_at)
    }

    pub(super) fn set_abstract_at(&mut self, at: KeywordAt) {
        if at.is_some() || self.rare.is_some() {
            self.rare_mut().abstract_at = at;
        }
    }

    /// `+=` and `-=` applied since the value last given whole, in order,
    /// with their files; on a region set they are applied when regions
    /// resolve (R20).
    pub fn list_ops(&self) -> &[(&'w Member, FileId)] {
        self.rare.as_ref().map_or(&[], |rare| &rare.list_ops)
    }

    pub(super) fn push_list_op(&mut self, op: (&'w Member, FileId)) {
        self.rare_mut().list_ops.push(op);
    }

    pub(super) fn clear_list_ops(&mut self) {
        if let Some(rare) = &mut self.rare {
            rare.list_ops.clear();
        }
    }

    /// For a declared field (`NAME : TYPE`), the type and where the first
    /// declaration is; overrides are checked against it (R37, R38).
    pub fn declared(&self) -> Option<Declared<'w>> {
        self.rare.as_ref().and_then(|rare| rare.declared)
    }

    /// Records a new origin, keeping the one it replaces in the history
    /// (newest first, R44).
    pub(super) fn supersede(&mut self, origin: Origin) {
        // A history is a few entries, kept to the end of a run in every
        // pipeline that changes the member: room for one more, not for
        // twice as many.
        self.history.reserve_exact(1);
        self.history.insert(0, self.origin);
        self.origin = origin;
    }

    /// The value last given whole (`=`, or a declaration's value), with
    /// the file it is written in.
    pub fn base_value(&self) -> Option<(&'w Expr, FileId)> {
        let (base, file) = self.base?;
        let expr = match &base.kind {
            MemberKind::FieldAssign { value, .. } => value,
            MemberKind::FieldDecl { value, .. } => value.as_ref()?,
            MemberKind::TrafficLimit { share } => share,
            MemberKind::Env { value, .. } => value,
            _ => return None,
        };
        Some((expr, file))
    }

    /// The items of a field as resolved, each with the file it is written
    /// in: the value last given whole (a list's items, or the value
    /// itself), then each `+=` and `-=` since, in order. Items compare as
    /// merging compares them: by value, or by text (R17, R18).
    pub fn merged_items(&self, workspace: &Workspace) -> Vec<(&'w Expr, FileId)> {
        fn listed(value: &Expr) -> Vec<&Expr> {
            match &value.kind {
                ExprKind::List(items) => items.iter().collect(),
                _ => vec![value],
            }
        }
        let Some((value, file)) = self.base_value() else {
            return Vec::new();
        };
        let mut items: Vec<(&'w Expr, FileId)> =
            listed(value).into_iter().map(|item| (item, file)).collect();
        for (edit, edit_file) in self.list_ops() {
            let MemberKind::FieldAssign { op, value, .. } = &edit.kind else {
                continue;
            };
            for operand in listed(value) {
                let written = item_key(workspace, *edit_file, operand);
                let found = items
                    .iter()
                    .position(|(item, item_file)| item_key(workspace, *item_file, item) == written);
                match (op, found) {
                    (AssignOp::Append, None) => items.push((operand, *edit_file)),
                    (AssignOp::Remove, Some(at)) => {
                        items.remove(at);
                    }
                    _ => {}
                }
            }
        }
        items
    }
}
