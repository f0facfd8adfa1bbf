//! The checker: names across files, kinds, types and every rule of `docs/reference.md`, from
//! parsed files to a [`Model`] plus diagnostics. User mistakes are diagnostics, never `Err`.

use crate::cron::{rate_expression, Cron};
use crate::date::Date;
use crate::model::{
    format_duration, format_size, AccessModel, Attrs, Model, OutputModel, Reference, ResourceModel,
    StrSegment, Symbol, SymbolId, SymbolKind, TriggerModel, Value, VecMap,
};
use crate::pattern::{KeyPattern, PatternUse};
use crate::project::{FileSystem, Project};
use crate::schema::{
    current_runtimes, fargate_memory, runtime, schema, AttrSchema, EventSchema, KindSchema,
    Requirement, Rule, RuntimeStatus, Type,
};
use crate::suggest::did_you_mean;
use infrac_syntax::ast::{
    Access, AccessMode, Binding, Block, Expr, ExprKind, Ident, Item, Member, Resource,
    ResourceKind, StrLit, StrPart, TargetKind, Trigger,
};
use infrac_syntax::{Code, Diagnostic, FileId, Name, Parsed, Span};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::path::PathBuf;
use std::sync::Arc;

/// The result of checking a project: the model and every diagnostic (loading, syntax and
/// checks), sorted by file and position.
#[derive(Debug, Default)]
pub struct Checked {
    pub model: Model,
    pub diagnostics: Vec<Diagnostic>,
}

impl Checked {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

pub fn check_project(project: &Project, fs: &dyn FileSystem) -> Checked {
    check_project_at(project, fs, Date::today())
}

/// What a caller goes on to do with the result of a check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    /// The whole model: lowering (`plan`, `deploy`) and the IDE read it.
    Model,
    /// The diagnostics alone (`infrac check`). The model then holds only what the
    /// whole-program rules read (names, kinds, access, triggers' sources, events, patterns
    /// and targets): no attribute values, no trigger `env`, no references, no doc comments.
    /// The diagnostics are those of [`Need::Model`].
    Diagnostics,
}

/// [`check_project`] for a command, which checks a project once and exits. Each file whose
/// tree the project does not hold (all of them, loaded with
/// [`crate::project::load_project_unparsed`]) is parsed when its names are declared and again
/// when its items are checked, and let go of each time: the trees of a big project are never
/// all held at once, for the time of a second parse. With [`Need::Diagnostics`] the model
/// keeps only what the checking itself reads. The diagnostics (syntax errors included) are
/// those of [`check_project`], and so is the model with [`Need::Model`].
pub fn check_project_streaming(
    project: &Project,
    fs: &dyn FileSystem,
    today: Date,
    need: Need,
) -> Checked {
    check_with(project, fs, today, need)
}

/// [`check_project`] as of `today`: the one rule that depends on the date is Lambda's runtime
/// deprecation schedule (W0002 once a runtime is deprecated, E0204 once AWS no longer creates
/// functions with it). Tests pin the date with this.
pub fn check_project_at(project: &Project, fs: &dyn FileSystem, today: Date) -> Checked {
    check_with(project, fs, today, Need::Model)
}

fn check_with(project: &Project, fs: &dyn FileSystem, today: Date, need: Need) -> Checked {
    let mut checker = Checker {
        project,
        need,
        kept: None,
        targeted: HashSet::default(),
        fs,
        today,
        diagnostics: project.diagnostics.clone(),
        model: Model::default(),
        names: HashMap::default(),
        lets: HashMap::default(),
        path_findings: [HashMap::default(), HashMap::default()],
    };
    checker.declare();
    checker.check_items();
    checker.check_unused_lets();
    checker.check_trigger_overlaps();
    checker.check_trigger_loops();
    checker.check_compute_cycles();
    checker.check_untriggered();
    let mut diagnostics = checker.diagnostics;
    diagnostics.sort_by_key(|d| (d.file, d.span.start(), d.span.end(), d.code));
    diagnostics.dedup();
    Checked {
        model: checker.model,
        diagnostics,
    }
}

enum LetState {
    Pending(Arc<Binding>, FileId),
    InProgress,
    Done(Option<Value>),
}

/// What an expression is evaluated in.
#[derive(Clone, Copy)]
struct Context {
    file: FileId,
    /// Inside a trigger's block: its event, or `Err(())` when the event is unknown (already
    /// reported, so `event.*` is not checked again).
    event: Option<Result<&'static EventSchema, ()>>,
}

struct Checker<'p> {
    project: &'p Project,
    need: Need,
    /// The first file's tree, when the project does not hold it: parsed to declare its names
    /// and kept to check its items.
    kept: Option<(FileId, Arc<Parsed>)>,
    /// The functions and tasks something starts: a trigger's target, a `runs` or `invokes`.
    targeted: HashSet<Name>,
    fs: &'p dyn FileSystem,
    /// The day the program is checked on, for Lambda's runtime deprecation dates.
    today: Date,
    diagnostics: Vec<Diagnostic>,
    model: Model,
    /// Resources and lets share one namespace; outputs have their own.
    names: HashMap<Name, SymbolId>,
    lets: HashMap<Name, LetState>,
    /// The disk's answers for `code` paths (`[0]`) and `build` paths (`[1]`, which want a
    /// Dockerfile), by full path.
    path_findings: [HashMap<PathBuf, values::PathFinding>; 2],
}

fn is_lower_snake(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn to_lower_snake(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else if c == '-' {
            out.push('_');
        } else {
            out.push(c);
        }
    }
    let trimmed = out.trim_start_matches(|c: char| c == '_' || c.is_ascii_digit());
    if trimmed.is_empty() {
        "r".to_string()
    } else {
        trimmed.to_string()
    }
}

fn kind_article(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::Bucket => "a bucket",
        ResourceKind::Function => "a function",
        ResourceKind::Task => "a task",
        ResourceKind::Schedule => "a schedule",
        ResourceKind::Service => "a service",
        ResourceKind::Secret => "a secret",
    }
}

fn list_names<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    let names: Vec<String> = names.into_iter().map(|n| format!("`{n}`")).collect();
    match names.as_slice() {
        [] => "none".to_string(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// How many of each thing a project's trees declare, to size the model's lists.
#[derive(Default)]
struct Counts {
    symbols: usize,
    resources: usize,
    triggers: usize,
    references: usize,
}

impl Counts {
    fn add(&mut self, parsed: &Parsed) {
        for item in &parsed.file.items {
            match item {
                Item::Resource(r) => {
                    self.resources += 1;
                    self.symbols += 1;
                    self.references += block_references(r.block.as_ref());
                }
                Item::Trigger(t) => {
                    self.triggers += 1;
                    self.references += 2 + block_references(t.block.as_ref());
                }
                Item::Let(b) | Item::Output(b) => {
                    self.symbols += 1;
                    self.references += paths_in(&b.value);
                }
                Item::Error(_) => {}
            }
        }
    }
}

/// At most how many references a block's members make: one per access, one per name in a
/// value. For sizing the model's list up front.
fn block_references(block: Option<&Block>) -> usize {
    block.map_or(0, |b| {
        b.members
            .iter()
            .map(|m| match m {
                Member::Attr(a) => paths_in(&a.value),
                Member::Access(_) => 1,
                Member::Error(_) => 0,
            })
            .sum()
    })
}

/// The names (`media.name`, a `let`) in an expression.
fn paths_in(expr: &Expr) -> usize {
    match &expr.kind {
        ExprKind::Path(_) => 1,
        ExprKind::List(items) => items.iter().map(paths_in).sum(),
        ExprKind::Map(entries) => entries.iter().map(|e| paths_in(&e.value)).sum(),
        ExprKind::Str(lit) => lit
            .parts
            .iter()
            .map(|p| match p {
                StrPart::Interp(e) => paths_in(e),
                StrPart::Text { .. } => 0,
            })
            .sum(),
        _ => 0,
    }
}

impl Checker<'_> {
    fn report(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    // ---- declarations -------------------------------------------------------------------

    fn declare(&mut self) {
        // Sized up front where the trees are held: growing these by doubling copies every model
        // again and again, and leaves up to half of each unused to the end. Streamed trees are
        // counted as they are declared, and what the checking fills is sized before it starts.
        let mut counts = Counts::default();
        let files = self.project.infra_files();
        let held = self
            .project
            .files
            .iter()
            .all(|f| !f.is_infra || f.parsed.is_some());
        if held {
            for f in &self.project.files {
                if let Some(parsed) = &f.parsed {
                    counts.add(parsed);
                }
            }
            self.model.symbols.reserve_exact(counts.symbols);
            self.names.reserve(counts.symbols);
            self.reserve_checked(&counts);
        }
        // The first file's tree is kept for checking: a project of one file is then parsed
        // once, and in a bigger one it is the first to be checked and let go of.
        let mut outputs: HashMap<Name, SymbolId> = HashMap::default();
        for file in files {
            let parsed = self.project.file(file).parsed.clone().unwrap_or_else(|| {
                let parsed = self.parse(file);
                self.diagnostics.extend(parsed.diagnostics.iter().cloned());
                counts.add(&parsed);
                if self.kept.is_none() {
                    self.kept = Some((file, Arc::clone(&parsed)));
                }
                parsed
            });
            for item in &parsed.file.items {
                match item {
                    Item::Resource(r) => {
                        self.declare_resource(r, file);
                    }
                    Item::Let(b) => {
                        let id = self.push_symbol(
                            &b.name,
                            SymbolKind::Let,
                            file,
                            b.span,
                            b.doc.as_ref(),
                        );
                        if self.declare_name(&b.name, id, file) {
                            self.lets.insert(
                                b.name.text.clone(),
                                LetState::Pending(Arc::clone(b), file),
                            );
                        }
                    }
                    Item::Output(b) => {
                        let id = self.push_symbol(
                            &b.name,
                            SymbolKind::Output,
                            file,
                            b.span,
                            b.doc.as_ref(),
                        );
                        if let Some(&first) = outputs.get(b.name.text.as_str()) {
                            self.duplicate(&b.name, file, first, "output");
                        } else {
                            outputs.insert(b.name.text.clone(), id);
                        }
                    }
                    Item::Trigger(_) | Item::Error(_) => {}
                }
            }
        }
        if !held {
            self.model.symbols.shrink_to_fit();
            self.reserve_checked(&counts);
        }
    }

    /// Sizes what checking the items fills: the resources, the triggers and (when the model
    /// is wanted) the references.
    fn reserve_checked(&mut self, counts: &Counts) {
        self.model.resources.reserve_exact(counts.resources);
        self.model.triggers.reserve_exact(counts.triggers);
        if self.need == Need::Model {
            self.model.references.reserve_exact(counts.references);
        }
    }

    /// A fresh parse of a file whose tree the project does not hold.
    fn parse(&self, file: FileId) -> Arc<Parsed> {
        Arc::new(infrac_syntax::parse(&self.project.file(file).text, file))
    }

    fn declare_resource(&mut self, r: &Resource, file: FileId) {
        if r.kind.kind.is_none() {
            let keywords = ResourceKind::ALL.map(ResourceKind::keyword);
            let mut d = Diagnostic::new(
                Code::E0101,
                file,
                r.kind.span,
                format!("unknown resource kind `{}`", r.kind.text),
            );
            if let Some(s) = did_you_mean(&r.kind.text, keywords) {
                d = d.with_help(format!("did you mean `{s}`?")).with_fix(
                    format!("Replace with `{s}`"),
                    r.kind.span,
                    s,
                );
            } else {
                d = d.with_help(format!("the kinds are {}", list_names(keywords)));
            }
            self.report(d);
        }
        let id = self.push_symbol(
            &r.name,
            SymbolKind::Resource(r.kind.kind),
            file,
            r.span,
            r.doc.as_ref(),
        );
        self.declare_name(&r.name, id, file);
        if !is_lower_snake(&r.name.text) {
            let suggestion = to_lower_snake(&r.name.text);
            self.report(
                Diagnostic::new(
                    Code::W0003,
                    file,
                    r.name.span,
                    format!(
                        "resource name `{}` is not lower snake case; it becomes part of AWS names",
                        r.name.text
                    ),
                )
                .with_help(format!("rename it to `{suggestion}`")),
            );
        }
    }

    fn push_symbol(
        &mut self,
        name: &Ident,
        kind: SymbolKind,
        file: FileId,
        span: Span,
        doc: Option<&String>,
    ) -> SymbolId {
        self.model.symbols.push(Symbol {
            name: name.text.clone(),
            kind,
            file,
            name_span: name.span,
            span,
            doc: doc.filter(|_| self.need == Need::Model).cloned(),
        });
        self.model.symbols.len() - 1
    }

    /// Adds a name to the shared namespace; false (with E0102) when it is taken.
    fn declare_name(&mut self, name: &Ident, id: SymbolId, file: FileId) -> bool {
        if let Some(&first) = self.names.get(name.text.as_str()) {
            self.duplicate(name, file, first, "name");
            return false;
        }
        self.names.insert(name.text.clone(), id);
        true
    }

    fn duplicate(&mut self, name: &Ident, file: FileId, first: SymbolId, what: &str) {
        let first = &self.model.symbols[first];
        let (first_file, first_span) = (first.file, first.name_span);
        self.report(
            Diagnostic::new(
                Code::E0102,
                file,
                name.span,
                format!("the {what} `{}` is declared twice", name.text),
            )
            .with_label(first_file, first_span, "first declared here")
            .with_help("names are shared by every file of the project; rename one of them"),
        );
    }

    fn symbol(&self, id: SymbolId) -> &Symbol {
        &self.model.symbols[id]
    }

    /// Resolves a name, recording the reference; E0103 with a suggestion when it is unknown.
    fn resolve(&mut self, name: &Ident, file: FileId) -> Option<SymbolId> {
        if let Some(&id) = self.names.get(name.text.as_str()) {
            if self.need == Need::Model {
                self.model.references.push(Reference {
                    file,
                    span: name.span,
                    symbol: id,
                });
            }
            return Some(id);
        }
        let mut d = Diagnostic::new(
            Code::E0103,
            file,
            name.span,
            format!("`{}` is not declared", name.text),
        );
        if let Some(s) = did_you_mean(&name.text, self.names.keys().map(Name::as_str)) {
            d = d.with_help(format!("did you mean `{s}`?")).with_fix(
                format!("Replace with `{s}`"),
                name.span,
                s,
            );
        }
        self.report(d);
        None
    }

    /// Resolves a name that must be a resource of `expected` kind (E0104 otherwise). `None`
    /// when it is not, or its kind is unknown (already reported).
    fn resolve_kind(
        &mut self,
        name: &Ident,
        file: FileId,
        expected: ResourceKind,
        fix_span: Option<Span>,
    ) -> Option<SymbolId> {
        let (id, wrong) = self.resolve_one_of(name, file, &[expected])?;
        let Some(mut d) = wrong else {
            return Some(id);
        };
        let kind = self.symbol(id).kind;
        if let (Some(_), SymbolKind::Resource(Some(ResourceKind::Service))) = (fix_span, kind) {
            d = d.with_help(
                "a service keeps running on its own and has no trigger; a trigger starts a function or a task",
            );
        }
        if let (Some(span), SymbolKind::Resource(Some(kind))) = (fix_span, kind) {
            if matches!(kind, ResourceKind::Function | ResourceKind::Task) {
                d = d
                    .with_help(format!("write `-> {} {}`", kind.keyword(), name.text))
                    .with_fix(
                        format!("Change to `{}`", kind.keyword()),
                        span,
                        kind.keyword(),
                    );
            }
        }
        self.report(d);
        None
    }

    /// Resolves a name that must be a resource of one of the `expected` kinds. `None` when it
    /// is not declared or its kind is unknown (already reported); otherwise the symbol, and the
    /// E0104 to report (not yet reported, so the caller can add help) when its kind is wrong.
    fn resolve_one_of(
        &mut self,
        name: &Ident,
        file: FileId,
        expected: &[ResourceKind],
    ) -> Option<(SymbolId, Option<Diagnostic>)> {
        let id = self.resolve(name, file)?;
        let symbol = self.symbol(id);
        let found = match symbol.kind {
            SymbolKind::Resource(None) => return None,
            SymbolKind::Resource(Some(kind)) if expected.contains(&kind) => {
                return Some((id, None))
            }
            SymbolKind::Resource(Some(kind)) => kind_article(kind),
            SymbolKind::Let => "a let",
            SymbolKind::Output => "an output",
        };
        let wanted: Vec<&str> = expected.iter().map(|&k| kind_article(k)).collect();
        let d = Diagnostic::new(
            Code::E0104,
            file,
            name.span,
            format!("`{}` is {found}, not {}", name.text, wanted.join(" or ")),
        )
        .with_label(
            symbol.file,
            symbol.name_span,
            format!("`{}` is declared here", name.text),
        );
        Some((id, Some(d)))
    }

    // ---- items ----------------------------------------------------------------------------

    /// Checks each file's items in turn, then lets go of its tree: the whole-program rules
    /// after this read the model and `targeted` alone.
    fn check_items(&mut self) {
        for file in self.project.infra_files() {
            let parsed = match &self.project.file(file).parsed {
                Some(parsed) => Arc::clone(parsed),
                None => match self.kept.take_if(|(kept, _)| *kept == file) {
                    Some((_, parsed)) => parsed,
                    None => self.parse(file),
                },
            };
            for item in &parsed.file.items {
                match item {
                    Item::Resource(r) => {
                        self.note_targets(r);
                        self.check_resource(r, file);
                    }
                    Item::Trigger(t) => {
                        self.targeted.insert(t.target.text.clone());
                        self.check_trigger(t, file);
                    }
                    Item::Let(b) => {
                        let _ = self.let_value(&b.name.text);
                    }
                    Item::Output(b) => self.check_output(b, file),
                    Item::Error(_) => {}
                }
            }
        }
    }

    /// Code that starts a task or calls a function triggers it too (for W0001).
    fn note_targets(&mut self, r: &Resource) {
        let members = r.block.as_ref().map_or(&[][..], |b| b.members.as_slice());
        for m in members {
            if let Member::Access(a) = m {
                if matches!(a.mode, AccessMode::Runs | AccessMode::Invokes) {
                    self.targeted.insert(a.bucket.text.clone());
                }
            }
        }
    }

    fn check_unused_lets(&mut self) {
        let pending: Vec<Name> = self
            .lets
            .iter()
            .filter(|(_, s)| matches!(s, LetState::Pending(..)))
            .map(|(n, _)| n.clone())
            .collect();
        for name in pending {
            let _ = self.let_value(&name);
        }
    }

    fn let_value(&mut self, name: &str) -> Option<Value> {
        let state = self.lets.get_mut(name)?;
        let (binding, file) = match state {
            LetState::Done(value) => return value.clone(),
            LetState::InProgress => return None,
            LetState::Pending(binding, file) => (Arc::clone(binding), *file),
        };
        *state = LetState::InProgress;
        let value = self.eval(&binding.value, Context { file, event: None });
        if let Some(state) = self.lets.get_mut(name) {
            *state = LetState::Done(value.clone());
        }
        value
    }

    fn check_output(&mut self, b: &Binding, file: FileId) {
        if let Some(value) = self.eval(&b.value, Context { file, event: None }) {
            if !self.check_secret_use(SecretPlace::Output, &value, &b.value, file, None) {
                return;
            }
            self.model.outputs.push(OutputModel {
                name: b.name.text.clone(),
                value,
                file,
                span: b.span,
            });
        }
    }

    fn check_resource(&mut self, r: &Resource, file: FileId) {
        let Some(kind) = r.kind.kind else { return };
        let kind_schema = schema(kind);
        let members = r.block.as_ref().map_or(&[][..], |b| b.members.as_slice());
        let accesses = members
            .iter()
            .filter(|m| matches!(m, Member::Access(_)))
            .count();
        let mut attrs = Attrs::with_capacity(members.len() - accesses);
        // Every attribute written, valid or not, with the span of its value.
        let mut written: VecMap<&'static str, (Span, Span)> =
            VecMap::with_capacity(members.len() - accesses);
        let mut access = Vec::with_capacity(accesses);
        for member in members {
            match member {
                Member::Attr(a) => {
                    let Some(attr) = kind_schema.attr(&a.name.text) else {
                        self.unknown_attribute(kind_schema, &a.name, file);
                        continue;
                    };
                    if let Some(&(first, _)) = written.get(attr.name) {
                        self.report(
                            Diagnostic::new(
                                Code::E0207,
                                file,
                                a.name.span,
                                format!("`{}` is set twice", attr.name),
                            )
                            .with_label(file, first, "first set here")
                            .with_help("remove one of them"),
                        );
                        continue;
                    }
                    written.insert(attr.name, (a.name.span, a.value.span));
                    let ctx = Context { file, event: None };
                    let Some(value) = self.eval(&a.value, ctx) else {
                        continue;
                    };
                    let Some(value) = self.expect_type(value, attr.ty, &a.value, file, attr.name)
                    else {
                        continue;
                    };
                    self.check_rule(attr, &value, a.value.span, file);
                    let place = SecretPlace::Attr {
                        kind,
                        attr: attr.name,
                    };
                    if !self.check_secret_use(place, &value, &a.value, file, Some(r)) {
                        continue;
                    }
                    attrs.insert(attr.name, (value, a.span));
                }
                Member::Access(acc) => {
                    if let Some(model) = self.check_access(kind, acc, file) {
                        access.push(model);
                    }
                }
                Member::Error(_) => {}
            }
        }
        self.check_requirements(r, kind_schema, &attrs, &written, file);
        self.check_added_env(r, &access, file);
        if matches!(kind, ResourceKind::Task | ResourceKind::Service) {
            self.check_fargate(&attrs, &written, file);
        }
        if kind == ResourceKind::Service {
            self.check_service(r, &attrs, &written, file);
        }
        self.model.resources.push(ResourceModel {
            kind,
            name: r.name.text.clone(),
            file,
            span: r.span,
            name_span: r.name.span,
            attrs: match self.need {
                Need::Model => {
                    attrs.shrink_to_fit();
                    attrs
                }
                Need::Diagnostics => Attrs::new(),
            },
            access,
        });
    }

    fn unknown_attribute(&mut self, kind_schema: &KindSchema, name: &Ident, file: FileId) {
        let names = kind_schema.attrs.iter().map(|a| a.name);
        let mut d = Diagnostic::new(
            Code::E0201,
            file,
            name.span,
            format!(
                "{} has no attribute `{}`",
                kind_article(kind_schema.kind),
                name.text
            ),
        );
        if let Some(s) = did_you_mean(&name.text, names.clone()) {
            d = d.with_help(format!("did you mean `{s}`?")).with_fix(
                format!("Replace with `{s}`"),
                name.span,
                s,
            );
        } else {
            d = d.with_help(format!(
                "{} has {}",
                kind_article(kind_schema.kind),
                list_names(names)
            ));
        }
        self.report(d);
    }

    fn check_access(
        &mut self,
        kind: ResourceKind,
        acc: &Access,
        file: FileId,
    ) -> Option<AccessModel> {
        if !crate::compute::holds_access(kind) {
            self.report(
                Diagnostic::new(
                    Code::E0201,
                    file,
                    acc.mode_span,
                    format!(
                        "{} cannot have `{}`",
                        kind_article(kind),
                        acc.mode.keyword()
                    ),
                )
                .with_help(
                    "only functions, tasks and services are granted access to other resources",
                ),
            );
            return None;
        }
        let expected: &[ResourceKind] = match acc.mode {
            AccessMode::Reads => &[ResourceKind::Bucket, ResourceKind::Secret],
            AccessMode::Writes => &[ResourceKind::Bucket],
            AccessMode::Runs => &[ResourceKind::Task],
            AccessMode::Invokes => &[ResourceKind::Function],
        };
        let (id, wrong) = self.resolve_one_of(&acc.bucket, file, expected)?;
        let SymbolKind::Resource(Some(target_kind)) = self.symbol(id).kind else {
            // A let or an output: the E0104 as it is.
            if let Some(d) = wrong {
                self.report(d);
            }
            return None;
        };
        if let Some(mut d) = wrong {
            // The right keyword for what the name is, when there is one.
            let better = match target_kind {
                ResourceKind::Task => Some(AccessMode::Runs),
                ResourceKind::Function => Some(AccessMode::Invokes),
                ResourceKind::Bucket if acc.mode != AccessMode::Writes => Some(AccessMode::Reads),
                _ => None,
            };
            if let Some(better) = better {
                d = d
                    .with_help(format!(
                        "{} is {}: write `{} {}`",
                        kind_article(target_kind),
                        match better {
                            AccessMode::Runs => "started with `runs`",
                            AccessMode::Invokes => "called with `invokes`",
                            _ => "read with `reads` or written with `writes`",
                        },
                        better.keyword(),
                        acc.bucket.text
                    ))
                    .with_fix(
                        format!("Change to `{}`", better.keyword()),
                        acc.mode_span,
                        better.keyword(),
                    );
            } else if target_kind == ResourceKind::Secret {
                d = d.with_help(format!(
                    "a program only reads a secret (`reads {0}`); its value is set with `infrac secret set {0}`",
                    acc.bucket.text
                ));
            }
            self.report(d);
            return None;
        }
        let pattern = match &acc.pattern {
            None => None,
            Some(lit) if target_kind != ResourceKind::Bucket => {
                self.report(
                    Diagnostic::new(
                        Code::E0302,
                        file,
                        lit.span,
                        format!(
                            "a key pattern narrows a bucket's keys; `{}` is {}",
                            acc.bucket.text,
                            kind_article(target_kind)
                        ),
                    )
                    .with_fix(
                        "Remove the pattern",
                        Span::new(acc.bucket.span.end(), acc.span.end()),
                        "",
                    ),
                );
                return None;
            }
            Some(lit) => Some(self.key_pattern(lit, PatternUse::Access, file)?),
        };
        Some(AccessModel {
            mode: acc.mode,
            bucket: acc.bucket.text.clone(),
            pattern,
            span: acc.span,
        })
    }

    fn key_pattern(&mut self, lit: &StrLit, usage: PatternUse, file: FileId) -> Option<KeyPattern> {
        let Some(text) = lit.as_plain() else {
            self.report(Diagnostic::new(
                Code::E0302,
                file,
                lit.span,
                "a key pattern is plain text: it cannot use `${...}`",
            ));
            return None;
        };
        match KeyPattern::parse(&text, usage) {
            Ok(p) => Some(p),
            Err(message) => {
                self.report(Diagnostic::new(Code::E0302, file, lit.span, message));
                None
            }
        }
    }

    fn check_requirements(
        &mut self,
        r: &Resource,
        kind_schema: &KindSchema,
        attrs: &Attrs,
        written: &VecMap<&'static str, (Span, Span)>,
        file: FileId,
    ) {
        let provided_runtime = attrs
            .get("runtime")
            .and_then(|(v, _)| v.as_literal_str())
            .is_some_and(|r| r.starts_with("provided"));
        for attr in kind_schema.attrs {
            let required = match attr.requirement {
                Requirement::Optional => false,
                Requirement::Required => true,
                Requirement::RequiredUnlessProvidedRuntime => !provided_runtime,
            };
            if required && !written.contains_key(attr.name) {
                let mut d = Diagnostic::new(
                    Code::E0202,
                    file,
                    r.name.span,
                    format!("{} `{}` needs `{}`", r.kind.text, r.name.text, attr.name),
                )
                .with_help(format!("add `{} = {}`", attr.name, attr.example));
                d.fixes.push(self.insert_member_fix(r, attr, file));
                self.report(d);
            }
        }
        for &(a, b, hint) in kind_schema.exactly_one_of {
            match (written.get(a), written.get(b)) {
                (Some(&(first, _)), Some(&(second, _))) => {
                    let (first, second) = if first.start() <= second.start() {
                        (first, second)
                    } else {
                        (second, first)
                    };
                    self.report(
                        Diagnostic::new(
                            Code::E0205,
                            file,
                            second,
                            format!(
                                "{} takes `{a}` or `{b}`, not both",
                                kind_article(kind_schema.kind)
                            ),
                        )
                        .with_label(file, first, "also set here"),
                    );
                }
                (None, None) => self.report(
                    Diagnostic::new(
                        Code::E0205,
                        file,
                        r.name.span,
                        format!(
                            "{} `{}` needs one of `{a}` and `{b}`",
                            r.kind.text, r.name.text
                        ),
                    )
                    .with_help(hint),
                ),
                _ => {}
            }
        }
    }

    /// A fix that adds `name = example` as the block's last member (or gives the declaration a
    /// block).
    fn insert_member_fix(
        &self,
        r: &Resource,
        attr: &AttrSchema,
        file: FileId,
    ) -> infrac_syntax::Fix {
        self.insert_members_fix(r, &[(attr.name, attr.example)], file)
    }

    /// A fix that adds `name = value` lines, in order, as the block's last members (or gives
    /// the declaration a block).
    fn insert_members_fix(
        &self,
        r: &Resource,
        members: &[(&str, &str)],
        file: FileId,
    ) -> infrac_syntax::Fix {
        let lines: Vec<String> = members
            .iter()
            .map(|(name, value)| format!("{name} = {value}"))
            .collect();
        infrac_syntax::Fix {
            title: format!(
                "Add {}",
                lines
                    .iter()
                    .map(|line| format!("`{line}`"))
                    .collect::<Vec<_>>()
                    .join(" and ")
            ),
            edits: vec![self.insert_lines_edit(r, &lines, file)],
        }
    }

    /// The edit that adds `member` as the block's last member (or gives the declaration a
    /// block).
    fn insert_member_edit(
        &self,
        r: &Resource,
        member: &str,
        file: FileId,
    ) -> infrac_syntax::TextEdit {
        self.insert_lines_edit(r, &[member.to_string()], file)
    }

    /// The edit that adds `lines`, in order, as the block's last members (or gives the
    /// declaration a block).
    fn insert_lines_edit(
        &self,
        r: &Resource,
        lines: &[String],
        file: FileId,
    ) -> infrac_syntax::TextEdit {
        let text = &self.project.file(file).text;
        let joined = |indent: &str, sep: &str| {
            lines
                .iter()
                .map(|line| format!("{indent}{line}"))
                .collect::<Vec<_>>()
                .join(sep)
        };
        let (span, replacement) = match &r.block {
            Some(block)
                if block.span.len() >= 2
                    && text.as_bytes().get(block.span.end() - 1) == Some(&b'}') =>
            {
                let close = block.span.end() - 1;
                let line_start = text[..close].rfind('\n').map_or(0, |i| i + 1);
                let before_close = &text[line_start..close];
                if before_close.trim().is_empty() {
                    // `}` on its own line: insert lines above it.
                    let indent = format!("{before_close}  ");
                    (
                        Span::empty(line_start),
                        format!("{}\n", joined(&indent, "\n")),
                    )
                } else {
                    (Span::empty(close), format!(" {} ", joined("", "; ")))
                }
            }
            Some(block) => (
                Span::empty(block.span.end()),
                format!(" {}", joined("", "; ")),
            ),
            None => (
                Span::empty(r.name.span.end()),
                format!(" {{\n{}\n}}", joined("  ", "\n")),
            ),
        };
        infrac_syntax::TextEdit {
            file,
            span,
            replacement,
        }
    }

    fn check_fargate(
        &mut self,
        attrs: &Attrs,
        written: &VecMap<&'static str, (Span, Span)>,
        file: FileId,
    ) {
        let cpu = attrs.get("cpu").map_or(Some(256), |(v, _)| v.as_int());
        let Some(cpu) = cpu else { return };
        let valid = fargate_memory(cpu);
        if valid.is_empty() {
            return; // A bad cpu is already an E0204.
        }
        let memory = match attrs.get("memory") {
            Some((Value::Size(mb), _)) => *mb,
            Some(_) => return,
            None if written.contains_key("memory") => return,
            None => 512,
        };
        if valid.contains(&memory) {
            return;
        }
        let listed: Vec<String> = if valid.len() > 8 {
            vec![format!(
                "{} to {} in steps of {}",
                format_size(valid[0]),
                format_size(valid[valid.len() - 1]),
                format_size(valid[1] - valid[0])
            )]
        } else {
            valid.iter().map(|&m| format_size(m)).collect()
        };
        let help = format!(
            "with cpu = {cpu}, memory must be {}",
            one_of(listed.into_iter())
        );
        let d = if let Some(&(_, value_span)) = written.get("memory") {
            let mut d = Diagnostic::new(
                Code::E0206,
                file,
                value_span,
                format!(
                    "Fargate does not run a task with cpu = {cpu} and memory = {}",
                    format_size(memory)
                ),
            );
            if let Some(&(cpu_name, _)) = written.get("cpu") {
                d = d.with_label(file, cpu_name, "cpu is set here");
            }
            let nearest = valid
                .iter()
                .min_by_key(|&&m| m.abs_diff(memory))
                .copied()
                .unwrap_or(valid[0]);
            d.with_fix(
                format!("Change to `{}`", format_size(nearest)),
                value_span,
                format_size(nearest),
            )
        } else if let Some(&(_, cpu_value)) = written.get("cpu") {
            Diagnostic::new(
                Code::E0206,
                file,
                cpu_value,
                format!(
                    "Fargate does not run a task with cpu = {cpu} and the default memory of 512MB"
                ),
            )
        } else {
            return;
        };
        self.report(d.with_help(help));
    }
}

mod compute;
mod secrets;
mod service;
mod triggers;
mod values;

use secrets::SecretPlace;
use values::one_of;
