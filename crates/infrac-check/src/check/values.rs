//! Values: evaluating expressions (lets, paths, `event` fields, interpolation), their types,
//! and the rules each attribute's value follows (ranges, sets, runtimes, cron, paths).

use super::{
    current_runtimes, did_you_mean, format_duration, format_size, kind_article, list_names,
    rate_expression, runtime, schema, AttrSchema, Checker, Code, Context, Cron, Diagnostic, Expr,
    ExprKind, FileId, Ident, Item, LetState, Rule, RuntimeStatus, Span, StrLit, StrPart,
    StrSegment, SymbolKind, Type, Value, VecMap,
};
use infrac_syntax::Name;
use std::path::{Path, PathBuf};

impl Checker<'_> {
    // ---- values -----------------------------------------------------------------------------

    pub(super) fn eval(&mut self, expr: &Expr, ctx: Context) -> Option<Value> {
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
                let mut map = VecMap::with_capacity(entries.len());
                for (i, entry) in entries.iter().enumerate() {
                    // Maps hold a few entries: a scan is cheaper than a hash table.
                    let earlier = entries[..i].iter().find(|e| e.key.text == entry.key.text);
                    if let Some(span) = earlier.map(|e| e.key.span) {
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

    pub(super) fn checked_number(
        &mut self,
        value: Option<u64>,
        span: Span,
        file: FileId,
    ) -> Option<u64> {
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

    pub(super) fn eval_str(&mut self, lit: &StrLit, ctx: Context) -> Option<Value> {
        let mut segments: Vec<StrSegment> = Vec::with_capacity(lit.parts.len().max(1));
        let mut ok = true;
        let push_text = |segments: &mut Vec<StrSegment>, text: &str| {
            if let Some(StrSegment::Text(last)) = segments.last_mut() {
                last.push_str(text);
            } else {
                segments.push(StrSegment::Text(Name::from(text)));
            }
        };
        for part in &lit.parts {
            match part {
                StrPart::Text { value, .. } => push_text(&mut segments, value),
                StrPart::Interp(expr) => match self.eval(expr, ctx) {
                    Some(value) if self.secret_in_interpolation(&value, expr, ctx.file) => {
                        ok = false;
                    }
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
            segments.push(StrSegment::Text(Name::default()));
        }
        // The model keeps every string to the end: without the slack of growth.
        segments.shrink_to_fit();
        ok.then_some(Value::Str(segments))
    }

    pub(super) fn eval_path(&mut self, parts: &[Ident], ctx: Context) -> Option<Value> {
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

    pub(super) fn eval_event(&mut self, parts: &[Ident], ctx: Context) -> Option<Value> {
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
        // For the messages only: the happy path (every `event.key`) formats nothing.
        let fields = || list_names(event.fields.iter().map(|f| f.name));
        let Some(field) = parts.get(1) else {
            self.report(
                Diagnostic::new(
                    Code::E0305,
                    ctx.file,
                    head.span,
                    "write `event.FIELD`: the event itself is not a value",
                )
                .with_help(format!("`{}` has {}", event.name, fields())),
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
                    .with_help(format!(
                        "did you mean `{s}`? `{}` has {}",
                        event.name,
                        fields()
                    ))
                    .with_fix(format!("Replace with `{s}`"), field.span, s);
            } else {
                d = d.with_help(format!("`{}` has {}", event.name, fields()));
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
    pub(super) fn expect_type(
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

    pub(super) fn type_mismatch(
        &mut self,
        value: &Value,
        ty: Type,
        expr: &Expr,
        file: FileId,
        what: &str,
    ) {
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

    pub(super) fn check_rule(
        &mut self,
        attr: &AttrSchema,
        value: &Value,
        span: Span,
        file: FileId,
    ) {
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
            (Rule::IntRange { min, max }, Value::Int(i)) if !(min..=max).contains(i) => {
                self.report(out_of_range(format!(
                    "`{name}` must be {min} to {max}, not {i}"
                )));
            }
            (Rule::HttpPath(limit), v) => {
                if let Some(path) = v.as_literal_str() {
                    if !path.starts_with('/') {
                        let fixed = format!("\"/{path}\"");
                        self.report(
                            out_of_range(format!(
                                "`{name}` is an HTTP path, which starts with `/`"
                            ))
                            .with_fix(
                                format!("Change to `{fixed}`"),
                                span,
                                fixed,
                            ),
                        );
                    } else if path.chars().count() > limit {
                        self.report(out_of_range(format!(
                            "`{name}` is at most {limit} characters long, and this is {}",
                            path.chars().count()
                        )));
                    }
                }
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
                    match self.path_finding(full, false) {
                        PathFinding::Missing => self.report(
                            Diagnostic::new(
                                Code::E0401,
                                file,
                                span,
                                format!("`{path}` does not exist"),
                            )
                            .with_help(
                                "paths are relative to the folder of the file that names them",
                            ),
                        ),
                        PathFinding::Outside => self.warn_outside_project(&path, span, file),
                        _ => {}
                    }
                }
            }
            (Rule::DockerContext, v) => {
                if let Some(path) = v.as_literal_str() {
                    let full = self.project.dir_of(file).join(&path);
                    match self.path_finding(full, true) {
                        PathFinding::Missing => self.report(
                            Diagnostic::new(Code::E0401, file, span, format!("`{path}` is not a folder"))
                                .with_help("`build` names a folder holding a Dockerfile, relative to the folder of this file"),
                        ),
                        PathFinding::NoDockerfile => self.report(
                            Diagnostic::new(Code::E0401, file, span, format!("`{path}` holds no Dockerfile"))
                                .with_help("deploy runs `docker build` in this folder, which needs a file named `Dockerfile`"),
                        ),
                        PathFinding::Outside => self.warn_outside_project(&path, span, file),
                        PathFinding::Fine => {}
                    }
                }
            }
            _ => {}
        }
    }

    /// W0004 for a `code` or `build` path that leads out of the project folder (lexically:
    /// `..` parts and absolute paths; the walker deals with links).
    /// What the disk says of a `code` (`docker` false) or `build` path. Asked once per path:
    /// a thousand functions sharing `./app` cost one look at the disk, not a thousand.
    fn path_finding(&mut self, full: PathBuf, docker: bool) -> PathFinding {
        if let Some(found) = self.path_findings[usize::from(docker)].get(&full) {
            return *found;
        }
        let found = if docker {
            if !self.fs.is_dir(&full) {
                PathFinding::Missing
            } else if !self.fs.is_file(&full.join("Dockerfile")) {
                PathFinding::NoDockerfile
            } else if !inside(&self.project.root, &full) {
                PathFinding::Outside
            } else {
                PathFinding::Fine
            }
        } else if !self.fs.is_file(&full) && !self.fs.is_dir(&full) {
            PathFinding::Missing
        } else if !inside(&self.project.root, &full) {
            PathFinding::Outside
        } else {
            PathFinding::Fine
        };
        self.path_findings[usize::from(docker)].insert(full, found);
        found
    }

    fn warn_outside_project(&mut self, path: &str, span: Span, file: FileId) {
        self.report(
            Diagnostic::new(
                Code::W0004,
                file,
                span,
                format!("`{path}` is outside the project"),
            )
            .with_help(
                "it deploys, but a clone of the project alone cannot: move it into the project folder",
            ),
        );
    }

    pub(super) fn check_runtime(&mut self, name: &str, span: Span, file: FileId) {
        let today = self.today;
        let Some(rt) = runtime(name) else {
            let current = current_runtimes(today).map(|r| r.name);
            let mut d = Diagnostic::new(
                Code::E0204,
                file,
                span,
                format!("\"{name}\" is not a Lambda runtime"),
            );
            if let Some(s) = did_you_mean(name, current.clone()) {
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
            return;
        };
        let successor = rt.successor(today);
        let move_to = |d: Diagnostic, why: String| match successor {
            Some(next) => d
                .with_help(format!("{why}; move to \"{}\"", next.name))
                .with_fix(
                    format!("Change to \"{}\"", next.name),
                    span,
                    format!("\"{}\"", next.name),
                ),
            None => d.with_help(why),
        };
        let d = match rt.status(today) {
            RuntimeStatus::Supported => return,
            RuntimeStatus::Deprecated => move_to(
                Diagnostic::new(
                    Code::W0002,
                    file,
                    span,
                    format!("the Lambda runtime \"{name}\" is deprecated (since {})", rt.deprecated),
                ),
                format!(
                    "AWS no longer patches it, and from {} refuses to create functions with it",
                    rt.block_create
                ),
            ),
            RuntimeStatus::CreateBlocked => move_to(
                Diagnostic::new(
                    Code::E0204,
                    file,
                    span,
                    format!(
                        "AWS no longer creates functions with the Lambda runtime \"{name}\" (since {})",
                        rt.block_create
                    ),
                ),
                format!(
                    "it was deprecated on {}, and from {} existing functions cannot be updated either",
                    rt.deprecated, rt.block_update
                ),
            ),
            RuntimeStatus::UpdateBlocked => move_to(
                Diagnostic::new(
                    Code::E0204,
                    file,
                    span,
                    format!(
                        "AWS no longer creates or updates functions with the Lambda runtime \"{name}\" (since {})",
                        rt.block_update
                    ),
                ),
                format!("it was deprecated on {}", rt.deprecated),
            ),
        };
        self.report(d);
    }
}

pub(super) fn one_of(items: impl Iterator<Item = String>) -> String {
    let items: Vec<String> = items.collect();
    match items.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("one of {} or {last}", init.join(", ")),
    }
}

pub(super) fn literal_type(kind: &ExprKind) -> Option<Type> {
    Some(match kind {
        ExprKind::Int(_) => Type::Int,
        ExprKind::Size { .. } => Type::Size,
        ExprKind::Duration { .. } => Type::Duration,
        ExprKind::Bool(_) => Type::Bool,
        _ => return None,
    })
}

pub(super) fn list_exprs(expr: &Expr) -> Vec<&Expr> {
    match &expr.kind {
        ExprKind::List(items) => items.iter().collect(),
        _ => Vec::new(),
    }
}

pub(super) fn map_exprs(expr: &Expr) -> Vec<(&str, &Expr)> {
    match &expr.kind {
        ExprKind::Map(entries) => entries
            .iter()
            .map(|e| (e.key.text.as_str(), &e.value))
            .collect(),
        _ => Vec::new(),
    }
}

/// Whether `path` is `root` or below it, taking `.` and `..` parts as written (no disk access:
/// the compiler reads only through `FileSystem`).
/// What [`Checker::path_finding`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum PathFinding {
    /// Not there (`build`: not a folder).
    Missing,
    /// A `build` folder without a Dockerfile.
    NoDockerfile,
    /// There, but lexically outside the project folder (W0004).
    Outside,
    Fine,
}

fn inside(root: &Path, path: &Path) -> bool {
    use std::path::Component;
    fn normal(p: &Path) -> Vec<Component<'_>> {
        let mut parts: Vec<Component<'_>> = Vec::new();
        for c in p.components() {
            match c {
                Component::CurDir => {}
                Component::ParentDir => {
                    if matches!(parts.last(), Some(Component::Normal(_))) {
                        parts.pop();
                    } else {
                        parts.push(c);
                    }
                }
                other => parts.push(other),
            }
        }
        parts
    }
    let root = normal(root);
    let path = normal(path);
    path.len() >= root.len()
        && path[..root.len()] == root[..]
        && !path[root.len()..].contains(&Component::ParentDir)
}

#[cfg(test)]
mod tests {
    use super::inside;
    use std::path::Path;

    #[test]
    fn inside_the_project_as_written() {
        let yes = [
            ("/p", "/p/src"),
            ("/p", "/p/./a/../b"),
            ("/p", "/p"),
            (".", "./src"),
            ("", "src"),
            ("../p", "../p/x"),
        ];
        for (root, path) in yes {
            assert!(inside(Path::new(root), Path::new(path)), "{path} in {root}");
        }
        let no = [
            ("/p", "/p/../q"),
            ("/p", "/q"),
            ("/p", "/p/a/../../q"),
            (".", "./../x"),
            ("", "../x"),
            ("..", "../../x"),
            ("../p", "../p/../x"),
        ];
        for (root, path) in no {
            assert!(
                !inside(Path::new(root), Path::new(path)),
                "{path} not in {root}"
            );
        }
    }
}
