//! The checker: names across files, kinds, types and every rule of `docs/language.md`, from
//! parsed files to a [`Model`] plus diagnostics. User mistakes are diagnostics, never `Err`.

use crate::cron::{rate_expression, Cron};
use crate::model::{
    format_duration, format_size, AccessModel, Model, OutputModel, Reference, ResourceModel,
    StrSegment, Symbol, SymbolId, SymbolKind, TriggerModel, Value,
};
use crate::pattern::{KeyPattern, PatternUse};
use crate::project::{FileSystem, Project};
use crate::schema::{
    fargate_memory, runtime_status, schema, AttrSchema, EventSchema, KindSchema, Requirement, Rule,
    Type, RUNTIMES,
};
use crate::suggest::did_you_mean;
use infrac_syntax::ast::{
    Access, Binding, Block, Expr, ExprKind, Ident, Item, Member, Resource, ResourceKind, StrLit,
    StrPart, TargetKind, Trigger,
};
use infrac_syntax::{Code, Diagnostic, FileId, Span};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::collections::BTreeMap;

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
    let mut checker = Checker {
        project,
        fs,
        diagnostics: project.diagnostics.clone(),
        model: Model::default(),
        names: HashMap::default(),
        lets: HashMap::default(),
    };
    checker.declare();
    checker.check_items();
    checker.check_unused_lets();
    checker.check_trigger_overlaps();
    checker.check_trigger_loops();
    checker.check_untriggered();
    let mut diagnostics = checker.diagnostics;
    diagnostics.sort_by_key(|d| (d.file, d.span.start, d.span.end, d.code));
    diagnostics.dedup();
    Checked {
        model: checker.model,
        diagnostics,
    }
}

enum LetState<'p> {
    Pending(&'p Binding, FileId),
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
    fs: &'p dyn FileSystem,
    diagnostics: Vec<Diagnostic>,
    model: Model,
    /// Resources and lets share one namespace; outputs have their own.
    names: HashMap<&'p str, SymbolId>,
    lets: HashMap<&'p str, LetState<'p>>,
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

impl<'p> Checker<'p> {
    fn report(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    // ---- declarations -------------------------------------------------------------------

    fn declare(&mut self) {
        let mut outputs: HashMap<&'p str, SymbolId> = HashMap::default();
        for (file, syntax) in self.project.sources() {
            for item in &syntax.items {
                match item {
                    Item::Resource(r) => {
                        self.declare_resource(r, file.id);
                    }
                    Item::Let(b) => {
                        let id = self.push_symbol(
                            &b.name,
                            SymbolKind::Let,
                            file.id,
                            b.span,
                            b.doc.as_ref(),
                        );
                        if self.declare_name(&b.name, id, file.id) {
                            self.lets
                                .insert(&b.name.text, LetState::Pending(b, file.id));
                        }
                    }
                    Item::Output(b) => {
                        let id = self.push_symbol(
                            &b.name,
                            SymbolKind::Output,
                            file.id,
                            b.span,
                            b.doc.as_ref(),
                        );
                        if let Some(&first) = outputs.get(b.name.text.as_str()) {
                            self.duplicate(&b.name, file.id, first, "output");
                        } else {
                            outputs.insert(&b.name.text, id);
                        }
                    }
                    Item::Trigger(_) | Item::Error(_) => {}
                }
            }
        }
    }

    fn declare_resource(&mut self, r: &'p Resource, file: FileId) {
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
            doc: doc.cloned(),
        });
        self.model.symbols.len() - 1
    }

    /// Adds a name to the shared namespace; false (with E0102) when it is taken.
    fn declare_name(&mut self, name: &'p Ident, id: SymbolId, file: FileId) -> bool {
        if let Some(&first) = self.names.get(name.text.as_str()) {
            self.duplicate(name, file, first, "name");
            return false;
        }
        self.names.insert(&name.text, id);
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
            self.model.references.push(Reference {
                file,
                span: name.span,
                symbol: id,
            });
            return Some(id);
        }
        let mut d = Diagnostic::new(
            Code::E0103,
            file,
            name.span,
            format!("`{}` is not declared", name.text),
        );
        if let Some(s) = did_you_mean(&name.text, self.names.keys().copied()) {
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
        let id = self.resolve(name, file)?;
        let symbol = self.symbol(id);
        let found = match symbol.kind {
            SymbolKind::Resource(None) => return None,
            SymbolKind::Resource(Some(kind)) if kind == expected => return Some(id),
            SymbolKind::Resource(Some(kind)) => kind_article(kind),
            SymbolKind::Let => "a let",
            SymbolKind::Output => "an output",
        };
        let (decl_file, decl_span) = (symbol.file, symbol.name_span);
        let mut d = Diagnostic::new(
            Code::E0104,
            file,
            name.span,
            format!("`{}` is {found}, not {}", name.text, kind_article(expected)),
        )
        .with_label(
            decl_file,
            decl_span,
            format!("`{}` is declared here", name.text),
        );
        if let (Some(span), SymbolKind::Resource(Some(kind))) = (fix_span, symbol.kind) {
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

    // ---- items ----------------------------------------------------------------------------

    fn check_items(&mut self) {
        let project = self.project;
        for (file, syntax) in project.sources() {
            for item in &syntax.items {
                match item {
                    Item::Resource(r) => self.check_resource(r, file.id),
                    Item::Trigger(t) => self.check_trigger(t, file.id),
                    Item::Let(b) => {
                        let _ = self.let_value(&b.name.text);
                    }
                    Item::Output(b) => self.check_output(b, file.id),
                    Item::Error(_) => {}
                }
            }
        }
    }

    fn check_unused_lets(&mut self) {
        let pending: Vec<&'p str> = self
            .lets
            .iter()
            .filter(|(_, s)| matches!(s, LetState::Pending(..)))
            .map(|(n, _)| *n)
            .collect();
        for name in pending {
            let _ = self.let_value(name);
        }
    }

    fn let_value(&mut self, name: &str) -> Option<Value> {
        let (key, state) = self.lets.remove_entry(name)?;
        match state {
            LetState::Done(value) => {
                let out = value.clone();
                self.lets.insert(key, LetState::Done(value));
                out
            }
            LetState::InProgress => {
                self.lets.insert(key, LetState::InProgress);
                None
            }
            LetState::Pending(binding, file) => {
                self.lets.insert(key, LetState::InProgress);
                let value = self.eval(&binding.value, Context { file, event: None });
                self.lets.insert(key, LetState::Done(value.clone()));
                value
            }
        }
    }

    fn check_output(&mut self, b: &Binding, file: FileId) {
        if let Some(value) = self.eval(&b.value, Context { file, event: None }) {
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
        let mut attrs: BTreeMap<&'static str, (Value, Span)> = BTreeMap::new();
        // Every attribute written, valid or not, with the span of its value.
        let mut written: HashMap<&'static str, (Span, Span)> = HashMap::default();
        let mut access = Vec::new();
        let members = r.block.as_ref().map_or(&[][..], |b| b.members.as_slice());
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
        if kind == ResourceKind::Task {
            self.check_fargate(&attrs, &written, file);
        }
        self.model.resources.push(ResourceModel {
            kind,
            name: r.name.text.clone(),
            file,
            span: r.span,
            name_span: r.name.span,
            doc: r.doc.clone(),
            attrs,
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
        if !matches!(kind, ResourceKind::Function | ResourceKind::Task) {
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
                .with_help("only functions and tasks are granted access to buckets"),
            );
            return None;
        }
        let bucket = self.resolve_kind(&acc.bucket, file, ResourceKind::Bucket, None);
        let pattern = match &acc.pattern {
            None => None,
            Some(lit) => Some(self.key_pattern(lit, PatternUse::Access, file)?),
        };
        bucket?;
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
        attrs: &BTreeMap<&'static str, (Value, Span)>,
        written: &HashMap<&'static str, (Span, Span)>,
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
                    let (first, second) = if first.start <= second.start {
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
        let text = &self.project.file(file).text;
        let (span, replacement) = match &r.block {
            Some(block)
                if block.span.len() >= 2
                    && text.as_bytes().get(block.span.end - 1) == Some(&b'}') =>
            {
                let close = block.span.end - 1;
                let line_start = text[..close].rfind('\n').map_or(0, |i| i + 1);
                let before_close = &text[line_start..close];
                if before_close.trim().is_empty() {
                    // `}` on its own line: insert a line above it.
                    (
                        Span::empty(line_start),
                        format!("{before_close}  {} = {}\n", attr.name, attr.example),
                    )
                } else {
                    (
                        Span::empty(close),
                        format!(" {} = {} ", attr.name, attr.example),
                    )
                }
            }
            Some(block) => (
                Span::empty(block.span.end),
                format!(" {} = {}", attr.name, attr.example),
            ),
            None => (
                Span::empty(r.name.span.end),
                format!(" {{\n  {} = {}\n}}", attr.name, attr.example),
            ),
        };
        infrac_syntax::Fix {
            title: format!("Add `{} = {}`", attr.name, attr.example),
            edits: vec![infrac_syntax::TextEdit {
                file,
                span,
                replacement,
            }],
        }
    }

    fn check_fargate(
        &mut self,
        attrs: &BTreeMap<&'static str, (Value, Span)>,
        written: &HashMap<&'static str, (Span, Span)>,
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

    // ---- values -----------------------------------------------------------------------------

    fn eval(&mut self, expr: &Expr, ctx: Context) -> Option<Value> {
        match &expr.kind {
            ExprKind::Str(lit) => self.eval_str(lit, ctx),
            ExprKind::Int(i) => Some(Value::Int(*i)),
            ExprKind::Bool(b) => Some(Value::Bool(*b)),
            ExprKind::Duration { value, unit } => self
                .checked_number(value.checked_mul(unit.seconds()), expr.span, ctx.file)
                .map(Value::Duration),
            ExprKind::Size { value, unit } => self
                .checked_number(value.checked_mul(unit.mebibytes()), expr.span, ctx.file)
                .map(Value::Size),
            ExprKind::List(items) => {
                let mut values = Vec::with_capacity(items.len());
                let mut ok = true;
                for item in items {
                    match self.eval(item, ctx) {
                        Some(v) => values.push(v),
                        None => ok = false,
                    }
                }
                ok.then_some(Value::List(values))
            }
            ExprKind::Map(entries) => {
                let mut map = BTreeMap::new();
                let mut first: HashMap<&str, Span> = HashMap::default();
                for entry in entries {
                    if let Some(&span) = first.get(entry.key.text.as_str()) {
                        self.report(
                            Diagnostic::new(
                                Code::E0207,
                                ctx.file,
                                entry.key.span,
                                format!("`{}` is set twice in this map", entry.key.text),
                            )
                            .with_label(
                                ctx.file,
                                span,
                                "first set here",
                            ),
                        );
                        continue;
                    }
                    first.insert(&entry.key.text, entry.key.span);
                    // An entry with an error is left out, and the others are still checked.
                    if let Some(v) = self.eval(&entry.value, ctx) {
                        map.insert(entry.key.text.clone(), v);
                    }
                }
                Some(Value::Map(map))
            }
            ExprKind::Path(parts) => self.eval_path(parts, ctx),
            ExprKind::Error => None,
        }
    }

    fn checked_number(&mut self, value: Option<u64>, span: Span, file: FileId) -> Option<u64> {
        if value.is_none() {
            self.report(Diagnostic::new(
                Code::E0204,
                file,
                span,
                "this value is too large",
            ));
        }
        value
    }

    fn eval_str(&mut self, lit: &StrLit, ctx: Context) -> Option<Value> {
        let mut segments: Vec<StrSegment> = Vec::new();
        let mut ok = true;
        let push_text = |segments: &mut Vec<StrSegment>, text: &str| {
            if let Some(StrSegment::Text(last)) = segments.last_mut() {
                last.push_str(text);
            } else {
                segments.push(StrSegment::Text(text.to_string()));
            }
        };
        for part in &lit.parts {
            match part {
                StrPart::Text { value, .. } => push_text(&mut segments, value),
                StrPart::Interp(expr) => match self.eval(expr, ctx) {
                    Some(Value::Str(inner)) => {
                        for segment in inner {
                            match segment {
                                StrSegment::Text(t) => push_text(&mut segments, &t),
                                other => segments.push(other),
                            }
                        }
                    }
                    Some(Value::Int(i)) => push_text(&mut segments, &i.to_string()),
                    Some(Value::Duration(s)) => push_text(&mut segments, &format_duration(s)),
                    Some(Value::Size(mb)) => push_text(&mut segments, &format_size(mb)),
                    Some(Value::EventInt(field)) => segments.push(StrSegment::Event(field)),
                    Some(other) => {
                        ok = false;
                        self.report(Diagnostic::new(
                            Code::E0203,
                            ctx.file,
                            expr.span,
                            format!(
                                "cannot put {} into a string: interpolation takes a string, int, duration or size",
                                other.ty().with_article()
                            ),
                        ));
                    }
                    None => ok = false,
                },
            }
        }
        if segments.is_empty() {
            segments.push(StrSegment::Text(String::new()));
        }
        ok.then_some(Value::Str(segments))
    }

    fn eval_path(&mut self, parts: &[Ident], ctx: Context) -> Option<Value> {
        let head = parts.first()?;
        if head.text == "event" {
            return self.eval_event(parts, ctx);
        }
        let id = self.resolve(head, ctx.file)?;
        let (symbol_kind, symbol_file, symbol_span) = {
            let symbol = self.symbol(id);
            (symbol.kind, symbol.file, symbol.name_span)
        };
        match symbol_kind {
            SymbolKind::Let => {
                if let Some(field) = parts.get(1) {
                    self.report(Diagnostic::new(
                        Code::E0203,
                        ctx.file,
                        field.span,
                        format!("`{}` is a let, which has no fields", head.text),
                    ));
                    return None;
                }
                let value = self.let_value(&head.text);
                if matches!(
                    self.lets.get(head.text.as_str()),
                    Some(LetState::InProgress)
                ) {
                    self.report(
                        Diagnostic::new(
                            Code::E0103,
                            ctx.file,
                            head.span,
                            format!("`{}` is defined in terms of itself", head.text),
                        )
                        .with_label(
                            symbol_file,
                            symbol_span,
                            "defined here",
                        ),
                    );
                }
                value
            }
            SymbolKind::Output => None,
            SymbolKind::Resource(None) => None,
            SymbolKind::Resource(Some(kind)) => {
                let Some(attr) = parts.get(1) else {
                    return Some(Value::Resource(kind, head.text.clone()));
                };
                let kind_schema = schema(kind);
                if kind_schema.value(&attr.text).is_none() {
                    let names = kind_schema.values.iter().map(|v| v.name);
                    let mut d = Diagnostic::new(
                        Code::E0201,
                        ctx.file,
                        attr.span,
                        format!("{} has no value `{}`", kind_article(kind), attr.text),
                    );
                    if let Some(s) = did_you_mean(&attr.text, names.clone()) {
                        d = d.with_help(format!("did you mean `{s}`?")).with_fix(
                            format!("Replace with `{s}`"),
                            attr.span,
                            s,
                        );
                    } else {
                        d = d.with_help(format!(
                            "{} has {}",
                            kind_article(kind),
                            list_names(names)
                        ));
                    }
                    self.report(d);
                    return None;
                }
                if let Some(extra) = parts.get(2) {
                    self.report(Diagnostic::new(
                        Code::E0203,
                        ctx.file,
                        extra.span,
                        format!(
                            "`{}.{}` is a string, which has no fields",
                            head.text, attr.text
                        ),
                    ));
                    return None;
                }
                Some(Value::Str(vec![StrSegment::Ref {
                    resource: head.text.clone(),
                    attr: attr.text.clone(),
                }]))
            }
        }
    }

    fn eval_event(&mut self, parts: &[Ident], ctx: Context) -> Option<Value> {
        let head = &parts[0];
        let event = match ctx.event {
            None => {
                self.report(
                    Diagnostic::new(
                        Code::E0305,
                        ctx.file,
                        head.span,
                        "`event` is only known inside a trigger's block",
                    )
                    .with_help("`event` is the event that started a run: use it in the `env` of a trigger's block"),
                );
                return None;
            }
            Some(Err(())) => return None,
            Some(Ok(event)) => event,
        };
        let fields = list_names(event.fields.iter().map(|f| f.name));
        let Some(field) = parts.get(1) else {
            self.report(
                Diagnostic::new(
                    Code::E0305,
                    ctx.file,
                    head.span,
                    "write `event.FIELD`: the event itself is not a value",
                )
                .with_help(format!("`{}` has {fields}", event.name)),
            );
            return None;
        };
        let Some(field_schema) = event.field(&field.text) else {
            let mut d = Diagnostic::new(
                Code::E0305,
                ctx.file,
                field.span,
                format!("the `{}` event has no field `{}`", event.name, field.text),
            );
            if let Some(s) = did_you_mean(&field.text, event.fields.iter().map(|f| f.name)) {
                d = d
                    .with_help(format!("did you mean `{s}`? `{}` has {fields}", event.name))
                    .with_fix(format!("Replace with `{s}`"), field.span, s);
            } else {
                d = d.with_help(format!("`{}` has {fields}", event.name));
            }
            self.report(d);
            return None;
        };
        if let Some(extra) = parts.get(2) {
            self.report(Diagnostic::new(
                Code::E0305,
                ctx.file,
                extra.span,
                format!("`event.{}` has no fields", field.text),
            ));
            return None;
        }
        Some(match field_schema.ty {
            Type::Int => Value::EventInt(field.text.clone()),
            _ => Value::Str(vec![StrSegment::Event(field.text.clone())]),
        })
    }

    /// The value if it has the type, else E0203 with a fix where the intent is clear.
    fn expect_type(
        &mut self,
        value: Value,
        ty: Type,
        expr: &Expr,
        file: FileId,
        what: &str,
    ) -> Option<Value> {
        let found = value.ty();
        let fits = match (&value, ty) {
            (Value::List(items), Type::ListOfString) => {
                let mut ok = true;
                for (item, item_expr) in items.iter().zip(list_exprs(expr)) {
                    if item.ty() != Type::String {
                        ok = false;
                        self.type_mismatch(item, Type::String, item_expr, file, "each element");
                    }
                }
                return ok.then_some(value);
            }
            (Value::Map(entries), Type::MapOfString) => {
                let mut ok = true;
                for (key, entry_expr) in map_exprs(expr) {
                    if let Some(v) = entries.get(key) {
                        if v.ty() != Type::String {
                            ok = false;
                            self.type_mismatch(
                                v,
                                Type::String,
                                entry_expr,
                                file,
                                &format!("`{key}`"),
                            );
                        }
                    }
                }
                return ok.then_some(value);
            }
            _ => found == ty,
        };
        if fits {
            Some(value)
        } else {
            self.type_mismatch(&value, ty, expr, file, &format!("`{what}`"));
            None
        }
    }

    fn type_mismatch(&mut self, value: &Value, ty: Type, expr: &Expr, file: FileId, what: &str) {
        let mut d = Diagnostic::new(
            Code::E0203,
            file,
            expr.span,
            format!(
                "{what} must be {}, but this is {}",
                ty.with_article(),
                value.ty().with_article()
            ),
        );
        match (value, ty) {
            (Value::Int(i), Type::Size) => {
                d = d
                    .with_help(format!("a size needs a unit, MB or GB: `{i}MB`"))
                    .with_fix(format!("Change to `{i}MB`"), expr.span, format!("{i}MB"));
            }
            (Value::Int(i), Type::Duration) => {
                d = d
                    .with_help(format!(
                        "a duration needs a unit: `{i}s`, `{i}m`, `{i}h` or `{i}d`"
                    ))
                    .with_fix(format!("Change to `{i}s`"), expr.span, format!("{i}s"));
            }
            (
                Value::Int(_) | Value::Bool(_) | Value::Duration(_) | Value::Size(_),
                Type::String,
            ) => {
                let text = format!("\"{}\"", value.source_text());
                d = d.with_fix(format!("Change to `{text}`"), expr.span, text);
            }
            (Value::EventInt(field), Type::String) => {
                let text = format!("\"${{event.{field}}}\"");
                d = d.with_help(format!("interpolate it: `{text}`")).with_fix(
                    format!("Change to `{text}`"),
                    expr.span,
                    text,
                );
            }
            (Value::Str(_), Type::Int | Type::Size | Type::Duration | Type::Bool) => {
                if let Some(text) = value.as_literal_str() {
                    let unquoted = text.trim();
                    let reparsed = infrac_syntax::parse(&format!("let x = {unquoted}"), file);
                    let fits = reparsed.diagnostics.is_empty()
                        && matches!(reparsed.file.items.first(), Some(Item::Let(b)) if literal_type(&b.value.kind) == Some(ty));
                    if fits {
                        d = d
                            .with_help(format!("write it without quotes: `{unquoted}`"))
                            .with_fix(format!("Change to `{unquoted}`"), expr.span, unquoted);
                    }
                }
            }
            _ => {}
        }
        self.report(d);
    }

    fn check_rule(&mut self, attr: &AttrSchema, value: &Value, span: Span, file: FileId) {
        let name = attr.name;
        let out_of_range = |message: String| Diagnostic::new(Code::E0204, file, span, message);
        match (attr.rule, value) {
            (Rule::SizeRange { min, max }, Value::Size(mb)) if !(min..=max).contains(mb) => {
                let d = out_of_range(format!(
                    "`{name}` must be {} to {}, not {}",
                    format_size(min),
                    format_size(max),
                    format_size(*mb)
                ));
                self.report(d);
            }
            (Rule::DurationRange { min, max }, Value::Duration(s)) if !(min..=max).contains(s) => {
                let d = out_of_range(format!(
                    "`{name}` must be {} to {}, not {}",
                    format_duration(min),
                    format_duration(max),
                    format_duration(*s)
                ))
                .with_help(format!("{} is {}s", format_duration(*s), s));
                self.report(d);
            }
            (Rule::WholeDays { min }, Value::Duration(s)) => {
                if s % 86_400 != 0 {
                    let days = (s / 86_400).max(1);
                    let d = out_of_range(format!(
                        "`{name}` counts whole days, and {} is not",
                        format_duration(*s)
                    ))
                    .with_fix(
                        format!("Change to `{days}d`"),
                        span,
                        format!("{days}d"),
                    );
                    self.report(d);
                } else if *s < min * 86_400 {
                    self.report(out_of_range(format!("`{name}` must be at least {min}d")));
                }
            }
            (Rule::OneOfStr(allowed), v) => {
                if let Some(text) = v.as_literal_str() {
                    if !allowed.contains(&text.as_str()) {
                        let mut d = out_of_range(format!(
                            "`{name}` must be {}, not \"{text}\"",
                            one_of(allowed.iter().map(|a| format!("\"{a}\"")))
                        ));
                        if let Some(s) = did_you_mean(&text, allowed.iter().copied()) {
                            d = d.with_fix(format!("Change to \"{s}\""), span, format!("\"{s}\""));
                        }
                        self.report(d);
                    }
                }
            }
            (Rule::OneOfInt(allowed), Value::Int(i)) if !allowed.contains(i) => {
                let d = out_of_range(format!(
                    "`{name}` must be {}, not {i}",
                    one_of(allowed.iter().map(ToString::to_string))
                ));
                self.report(d);
            }
            (Rule::Runtime, v) => {
                if let Some(text) = v.as_literal_str() {
                    self.check_runtime(&text, span, file);
                }
            }
            (Rule::Cron, v) => {
                if let Some(text) = v.as_literal_str() {
                    if let Err(message) = Cron::parse(&text) {
                        self.report(Diagnostic::new(Code::E0402, file, span, message));
                    }
                }
            }
            (Rule::Every, Value::Duration(s)) => {
                if let Err(message) = rate_expression(*s) {
                    self.report(Diagnostic::new(Code::E0402, file, span, message));
                }
            }
            (Rule::EnvBytes(limit), Value::Map(entries)) => {
                let bytes: usize = entries
                    .iter()
                    .map(|(k, v)| k.len() + v.as_literal_str().map_or(0, |s| s.len()))
                    .sum();
                if bytes > limit {
                    self.report(out_of_range(format!(
                        "`{name}` holds {bytes} bytes, more than Lambda's limit of {limit}"
                    )));
                }
            }
            (Rule::ExistingPath, v) => {
                if let Some(path) = v.as_literal_str() {
                    let full = self.project.dir_of(file).join(&path);
                    if !self.fs.is_file(&full) && !self.fs.is_dir(&full) {
                        self.report(
                            Diagnostic::new(
                                Code::E0401,
                                file,
                                span,
                                format!("`{path}` does not exist"),
                            )
                            .with_help(
                                "paths are relative to the folder of the file that names them",
                            ),
                        );
                    }
                }
            }
            (Rule::DockerContext, v) => {
                if let Some(path) = v.as_literal_str() {
                    let full = self.project.dir_of(file).join(&path);
                    if !self.fs.is_dir(&full) {
                        self.report(
                            Diagnostic::new(Code::E0401, file, span, format!("`{path}` is not a folder"))
                                .with_help("`build` names a folder holding a Dockerfile, relative to the folder of this file"),
                        );
                    } else if !self.fs.is_file(&full.join("Dockerfile")) {
                        self.report(
                            Diagnostic::new(Code::E0401, file, span, format!("`{path}` holds no Dockerfile"))
                                .with_help("deploy runs `docker build` in this folder, which needs a file named `Dockerfile`"),
                        );
                    }
                }
            }
            _ => {}
        }
    }

    fn check_runtime(&mut self, runtime: &str, span: Span, file: FileId) {
        match runtime_status(runtime) {
            Some(false) => {}
            Some(true) => {
                let family: String = runtime
                    .chars()
                    .take_while(char::is_ascii_alphabetic)
                    .collect();
                let newer = RUNTIMES
                    .iter()
                    .find(|(r, deprecated)| !deprecated && r.starts_with(&family))
                    .map(|(r, _)| *r);
                let mut d = Diagnostic::new(
                    Code::W0002,
                    file,
                    span,
                    format!("the Lambda runtime \"{runtime}\" is deprecated"),
                );
                if let Some(newer) = newer {
                    d = d
                        .with_help(format!("AWS no longer patches it; move to \"{newer}\""))
                        .with_fix(
                            format!("Change to \"{newer}\""),
                            span,
                            format!("\"{newer}\""),
                        );
                }
                self.report(d);
            }
            None => {
                let current = RUNTIMES.iter().filter(|(_, d)| !d).map(|(r, _)| *r);
                let mut d = Diagnostic::new(
                    Code::E0204,
                    file,
                    span,
                    format!("\"{runtime}\" is not a Lambda runtime"),
                );
                if let Some(s) = did_you_mean(runtime, current.clone()) {
                    d = d.with_help(format!("did you mean \"{s}\"?")).with_fix(
                        format!("Change to \"{s}\""),
                        span,
                        format!("\"{s}\""),
                    );
                } else {
                    let all: Vec<&str> = current.collect();
                    d = d.with_help(format!("the runtimes are {}", all.join(", ")));
                }
                self.report(d);
            }
        }
    }

    // ---- triggers ---------------------------------------------------------------------------

    fn check_trigger(&mut self, t: &Trigger, file: FileId) {
        let source = self.trigger_source(t, file);
        let event = source.and_then(|kind| self.trigger_event(t, kind, file));
        let pattern = match (event, &t.pattern) {
            (Some(event), Some(lit)) if event.takes_pattern => {
                self.key_pattern(lit, PatternUse::Trigger, file).map(Some)
            }
            (Some(event), Some(lit)) => {
                self.report(
                    Diagnostic::new(
                        Code::E0302,
                        file,
                        lit.span,
                        format!("`{}` takes no key pattern", event.name),
                    )
                    .with_fix("Remove the pattern", lit.span, ""),
                );
                None
            }
            (_, None) => Some(None),
            (None, Some(_)) => None,
        };
        let target_kind = t.target_kind.resource_kind();
        let target = self.resolve_kind(&t.target, file, target_kind, Some(t.target_kind_span));
        // An error inside the env is reported, but the trigger still takes part in the
        // whole-program checks (overlaps, loops).
        let env = self.trigger_block(t, event, file).unwrap_or_default();
        let (Some(source_kind), Some(event), Some(pattern), Some(_)) =
            (source, event, pattern, target)
        else {
            return;
        };
        self.model.triggers.push(TriggerModel {
            source: t.source.text.clone(),
            source_kind,
            event: event.name,
            pattern_text: t.pattern.as_ref().and_then(StrLit::as_plain),
            args_span: t.args_span,
            pattern,
            target_kind: t.target_kind,
            target: t.target.text.clone(),
            env,
            file,
            span: t.span,
            doc: t.doc.clone(),
        });
    }

    fn trigger_source(&mut self, t: &Trigger, file: FileId) -> Option<ResourceKind> {
        let id = self.resolve(&t.source, file)?;
        match self.symbol(id).kind {
            SymbolKind::Resource(kind) => kind,
            SymbolKind::Let | SymbolKind::Output => {
                self.report(Diagnostic::new(
                    Code::E0104,
                    file,
                    t.source.span,
                    format!("`{}` is a let, not a bucket or schedule", t.source.text),
                ));
                None
            }
        }
    }

    fn trigger_event(
        &mut self,
        t: &Trigger,
        kind: ResourceKind,
        file: FileId,
    ) -> Option<&'static EventSchema> {
        let kind_schema = schema(kind);
        if let Some(event) = kind_schema.event(&t.event.text) {
            return Some(event);
        }
        let names = kind_schema.events.iter().map(|e| e.name);
        let mut d = Diagnostic::new(
            Code::E0301,
            file,
            t.event.span,
            format!("{} has no event `{}`", kind_article(kind), t.event.text),
        );
        if kind_schema.events.is_empty() {
            d = d.with_help(format!(
                "{} has no events; only buckets (`on_put`, `on_delete`) and schedules (`on_tick`) do",
                kind_article(kind)
            ));
        } else if let Some(s) = did_you_mean(&t.event.text, names.clone()) {
            d = d
                .with_help(format!(
                    "did you mean `{s}`? {} has {}",
                    kind_article(kind),
                    list_names(names)
                ))
                .with_fix(format!("Replace with `{s}`"), t.event.span, s);
        } else {
            d = d.with_help(format!("{} has {}", kind_article(kind), list_names(names)));
        }
        self.report(d);
        None
    }

    /// The env a trigger adds to its task's run; `None` after an error.
    fn trigger_block(
        &mut self,
        t: &Trigger,
        event: Option<&'static EventSchema>,
        file: FileId,
    ) -> Option<BTreeMap<String, Value>> {
        let Some(block) = &t.block else {
            return Some(BTreeMap::new());
        };
        if t.target_kind == TargetKind::Function {
            self.report(
                Diagnostic::new(
                    Code::E0304,
                    file,
                    block.span,
                    "a function trigger takes no block: the function receives the event itself as its argument",
                )
                .with_fix("Remove the block", Span::new(t.target.span.end, block.span.end), ""),
            );
            return None;
        }
        self.task_trigger_env(block, event, file)
    }

    fn task_trigger_env(
        &mut self,
        block: &Block,
        event: Option<&'static EventSchema>,
        file: FileId,
    ) -> Option<BTreeMap<String, Value>> {
        let mut env = BTreeMap::new();
        let mut seen: Option<Span> = None;
        let mut ok = true;
        for member in &block.members {
            match member {
                Member::Attr(a) if a.name.text == "env" => {
                    if let Some(first) = seen {
                        self.report(
                            Diagnostic::new(Code::E0207, file, a.name.span, "`env` is set twice")
                                .with_label(file, first, "first set here"),
                        );
                        ok = false;
                        continue;
                    }
                    seen = Some(a.name.span);
                    let ctx = Context {
                        file,
                        event: Some(event.ok_or(())),
                    };
                    match self
                        .eval(&a.value, ctx)
                        .and_then(|v| self.expect_type(v, Type::MapOfString, &a.value, file, "env"))
                    {
                        Some(Value::Map(map)) => env = map,
                        _ => ok = false,
                    }
                }
                Member::Attr(a) => {
                    ok = false;
                    self.report(
                        Diagnostic::new(
                            Code::E0304,
                            file,
                            a.name.span,
                            format!(
                                "a task trigger's block sets only `env`, not `{}`",
                                a.name.text
                            ),
                        )
                        .with_help("set the task's other attributes in its own declaration"),
                    );
                }
                Member::Access(acc) => {
                    ok = false;
                    self.report(
                        Diagnostic::new(
                            Code::E0304,
                            file,
                            acc.mode_span,
                            format!("a task trigger's block sets only `env`; `{}` belongs in the task's declaration", acc.mode.keyword()),
                        ),
                    );
                }
                Member::Error(_) => ok = false,
            }
        }
        ok.then_some(env)
    }

    // ---- whole-program rules -----------------------------------------------------------------

    /// E0303: S3 rejects a notification configuration in which two function targets of one
    /// event type have overlapping filters.
    fn check_trigger_overlaps(&mut self) {
        let triggers: Vec<&TriggerModel> = self
            .model
            .triggers
            .iter()
            .filter(|t| {
                t.source_kind == ResourceKind::Bucket && t.target_kind == TargetKind::Function
            })
            .collect();
        // Only triggers of one bucket and event can conflict: compare within those groups.
        let mut groups: HashMap<(&str, &str), Vec<&TriggerModel>> = HashMap::default();
        for t in triggers {
            groups
                .entry((t.source.as_str(), t.event))
                .or_default()
                .push(t);
        }
        let mut found = Vec::new();
        for later_index in 0..self.model.triggers.len() {
            let later = &self.model.triggers[later_index];
            let Some(group) = groups.get(&(later.source.as_str(), later.event)) else {
                continue;
            };
            let position = group
                .iter()
                .position(|t| std::ptr::eq(*t, later))
                .unwrap_or(0);
            for earlier in &group[..position] {
                let a = earlier.pattern.clone().unwrap_or_else(KeyPattern::any);
                let b = later.pattern.clone().unwrap_or_else(KeyPattern::any);
                if a.s3_filters_overlap(&b) {
                    found.push(
                        Diagnostic::new(
                            Code::E0303,
                            later.file,
                            later.span,
                            format!(
                                "this trigger overlaps another function trigger on `{}.{}`: a key like `{}` would match both",
                                later.source,
                                later.event,
                                example_key(&a, &b)
                            ),
                        )
                        .with_label(earlier.file, earlier.span, "the other trigger")
                        .with_help("S3 rejects a notification configuration whose filters overlap; give the triggers disjoint prefixes or suffixes"),
                    );
                    break;
                }
            }
        }
        self.diagnostics.extend(found);
    }

    /// E0306: a target triggered by puts to a bucket that writes keys its own trigger matches
    /// would run forever.
    fn check_trigger_loops(&mut self) {
        let by_name: HashMap<&str, &ResourceModel> = self
            .model
            .resources
            .iter()
            .map(|r| (r.name.as_str(), r))
            .collect();
        let mut found = Vec::new();
        for t in &self.model.triggers {
            if t.source_kind != ResourceKind::Bucket || t.event != "on_put" {
                continue;
            }
            let Some(target) = by_name.get(t.target.as_str()) else {
                continue;
            };
            let trigger_keys = t.pattern.clone().unwrap_or_else(KeyPattern::any);
            for write in target.writes().filter(|w| w.bucket == t.source) {
                let written = write.pattern.clone().unwrap_or_else(KeyPattern::any);
                if !trigger_keys.intersects(&written) {
                    continue;
                }
                let matched = t
                    .pattern_text
                    .as_deref()
                    .map_or("every key".to_string(), |p| format!("\"{p}\""));
                let mut d = Diagnostic::new(
                        Code::E0306,
                        t.file,
                        t.span,
                        format!(
                            "trigger loop: `{}` runs on puts to `{}` matching {matched}, and writes keys to `{}` that match it again (like `{}`)",
                            t.target,
                            t.source,
                            t.source,
                            example_key(&trigger_keys, &written)
                        ),
                    )
                    .with_label(target.file, write.span, "this `writes` can write a key the trigger matches")
                    .with_help(format!(
                        "narrow the `writes` to keys the trigger does not match, such as `writes {}(\"out/*\")`, or narrow the trigger's pattern",
                        t.source
                    ));
                if let Some(fix) = narrowing_fix(t, write, &trigger_keys, target.file) {
                    d.fixes.push(fix);
                }
                found.push(d);
                break;
            }
        }
        self.diagnostics.extend(found);
    }

    fn check_untriggered(&mut self) {
        let mut targeted: HashSet<&str> = HashSet::default();
        for (_, syntax) in self.project.sources() {
            for item in &syntax.items {
                if let Item::Trigger(t) = item {
                    targeted.insert(&t.target.text);
                }
            }
        }
        let mut found = Vec::new();
        for r in &self.model.resources {
            if matches!(r.kind, ResourceKind::Function | ResourceKind::Task)
                && !targeted.contains(r.name.as_str())
            {
                found.push(
                    Diagnostic::new(
                        Code::W0001,
                        r.file,
                        r.name_span,
                        format!("{} `{}` is never triggered", r.kind.keyword(), r.name),
                    )
                    .with_help(format!(
                        "nothing runs it: add a trigger such as `some_bucket.on_put() -> {} {}`",
                        r.kind.keyword(),
                        r.name
                    )),
                );
            }
        }
        self.diagnostics.extend(found);
    }
}

/// The fix for a trigger loop: narrow the `writes` to a folder the trigger does not match
/// (keeping what the `writes` says about the end of the key); when the trigger matches keys in
/// every folder, narrow the trigger to `uploads/` as well.
fn narrowing_fix(
    t: &TriggerModel,
    write: &AccessModel,
    trigger_keys: &KeyPattern,
    write_file: FileId,
) -> Option<infrac_syntax::Fix> {
    let suffix = match &write.pattern {
        Some(KeyPattern::PrefixSuffix { suffix, .. }) => suffix.clone(),
        _ => String::new(),
    };
    let writes =
        |pattern: &KeyPattern| format!("writes {}(\"{}\")", write.bucket, pattern.iam_key());
    for folder in ["out/", "processed/", "results/"] {
        let candidate = KeyPattern::PrefixSuffix {
            prefix: folder.to_string(),
            suffix: suffix.clone(),
        };
        if !trigger_keys.intersects(&candidate) {
            let replacement = writes(&candidate);
            return Some(infrac_syntax::Fix {
                title: format!("Narrow to `{replacement}`"),
                edits: vec![infrac_syntax::TextEdit {
                    file: write_file,
                    span: write.span,
                    replacement,
                }],
            });
        }
    }
    let KeyPattern::PrefixSuffix {
        suffix: trigger_suffix,
        ..
    } = trigger_keys
    else {
        return None;
    };
    let trigger = KeyPattern::PrefixSuffix {
        prefix: "uploads/".to_string(),
        suffix: trigger_suffix.clone(),
    };
    let written = KeyPattern::PrefixSuffix {
        prefix: "out/".to_string(),
        suffix,
    };
    if trigger.intersects(&written) {
        return None;
    }
    let trigger_args = format!("(\"{}\")", trigger.iam_key());
    let replacement = writes(&written);
    Some(infrac_syntax::Fix {
        title: format!("Trigger on `{}` and `{replacement}`", trigger.iam_key()),
        edits: vec![
            infrac_syntax::TextEdit {
                file: t.file,
                span: t.args_span,
                replacement: trigger_args,
            },
            infrac_syntax::TextEdit {
                file: write_file,
                span: write.span,
                replacement,
            },
        ],
    })
}

/// A key that two intersecting patterns both match, to make a message concrete.
fn example_key(a: &KeyPattern, b: &KeyPattern) -> String {
    match (a, b) {
        (KeyPattern::Exact(k), _) | (_, KeyPattern::Exact(k)) => k.clone(),
        (
            KeyPattern::PrefixSuffix {
                prefix: p1,
                suffix: s1,
            },
            KeyPattern::PrefixSuffix {
                prefix: p2,
                suffix: s2,
            },
        ) => {
            let prefix = if p1.len() >= p2.len() { p1 } else { p2 };
            let suffix = if s1.len() >= s2.len() { s1 } else { s2 };
            let middle = if prefix.is_empty() && suffix.is_empty() {
                "photo.jpg"
            } else {
                "x"
            };
            format!("{prefix}{middle}{suffix}")
        }
    }
}

fn one_of(items: impl Iterator<Item = String>) -> String {
    let items: Vec<String> = items.collect();
    match items.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("one of {} or {last}", init.join(", ")),
    }
}

fn literal_type(kind: &ExprKind) -> Option<Type> {
    Some(match kind {
        ExprKind::Int(_) => Type::Int,
        ExprKind::Size { .. } => Type::Size,
        ExprKind::Duration { .. } => Type::Duration,
        ExprKind::Bool(_) => Type::Bool,
        _ => return None,
    })
}

fn list_exprs(expr: &Expr) -> Vec<&Expr> {
    match &expr.kind {
        ExprKind::List(items) => items.iter().collect(),
        _ => Vec::new(),
    }
}

fn map_exprs(expr: &Expr) -> Vec<(&str, &Expr)> {
    match &expr.kind {
        ExprKind::Map(entries) => entries
            .iter()
            .map(|e| (e.key.text.as_str(), &e.value))
            .collect(),
        _ => Vec::new(),
    }
}
