//! Completion that knows where the cursor is: kinds at the start of an item; the attributes of
//! this kind that are not set yet; allowed values after `=`; resource names of the expected
//! kind after `reads`, `writes`, `-> task`, `-> function`; events after `media.`; fields after
//! `event.` (only those of this trigger's event).

use crate::hover::attr_hover;
use crate::{clamp_offset, item_at, word_at, Analysis};
use infrac_check::model::{format_size, SymbolKind};
use infrac_check::schema::{
    current_runtimes, fargate_memory, schema, AttrSchema, EventSchema, KindSchema, Rule, Type,
    FARGATE_CPU,
};
use infrac_syntax::ast::{Block, ExprKind, Item, Member, ResourceKind, SourceFile};
use infrac_syntax::lexer::lex;
use infrac_syntax::token::Kind;
use infrac_syntax::{FileId, Span};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompletionKind {
    Keyword,
    Kind,
    Attribute,
    Value,
    Resource,
    Event,
    Field,
    Variable,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompletionItem {
    pub label: String,
    pub kind: CompletionKind,
    pub detail: Option<String>,
    /// Markdown.
    pub documentation: Option<String>,
    /// What replaces `replace`; a snippet (`${1:name}`) when `snippet`.
    pub insert_text: String,
    pub snippet: bool,
    pub replace: Span,
}

impl CompletionItem {
    /// The text to insert for a client without snippets: every placeholder's default (the
    /// first choice of a choice), tab stops dropped. The defaults are valid values, so what is
    /// inserted checks (but for names the user is meant to change).
    pub fn plain_text(&self) -> String {
        if self.snippet {
            snippet_to_plain(&self.insert_text)
        } else {
            self.insert_text.clone()
        }
    }
}

/// A snippet's text as plain text: `${1:name}` is `name`, `${2|a,b|}` is `a`, `$0` and `${3}`
/// are nothing, and `\$`, `\}`, `\\` are the characters they escape.
fn snippet_to_plain(snippet: &str) -> String {
    let mut out = String::with_capacity(snippet.len());
    let mut chars = snippet.chars().peekable();
    // How many `${N:` placeholders are open: their closing `}` is dropped.
    let mut open = 0usize;
    let skip_digits = |chars: &mut std::iter::Peekable<std::str::Chars<'_>>| {
        while chars.peek().is_some_and(char::is_ascii_digit) {
            chars.next();
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.extend(chars.next()),
            '$' if chars.peek().is_some_and(char::is_ascii_digit) => skip_digits(&mut chars),
            '$' if chars.peek() == Some(&'{') => {
                chars.next();
                skip_digits(&mut chars);
                match chars.next() {
                    Some(':') => open += 1,
                    Some('|') => {
                        // The first choice; the others and the closing `|}` go.
                        let mut first = true;
                        for c in chars.by_ref() {
                            match c {
                                ',' => first = false,
                                '|' => break,
                                _ if first => out.push(c),
                                _ => {}
                            }
                        }
                        if chars.peek() == Some(&'}') {
                            chars.next();
                        }
                    }
                    // `${3}`, or something that is not a placeholder after all.
                    Some('}') | None => {}
                    Some(other) => out.push(other),
                }
            }
            '}' if open > 0 => open -= 1,
            _ => out.push(c),
        }
    }
    out
}

struct Ctx<'a> {
    analysis: &'a Analysis,
    text: &'a str,
    syntax: &'a SourceFile,
    /// The span the completion replaces: the word being typed, or a whole string.
    replace: Span,
    out: Vec<CompletionItem>,
}

impl Ctx<'_> {
    fn push(
        &mut self,
        label: impl Into<String>,
        kind: CompletionKind,
        detail: Option<String>,
        documentation: Option<String>,
        insert: impl Into<String>,
        snippet: bool,
    ) {
        self.out.push(CompletionItem {
            label: label.into(),
            kind,
            detail,
            documentation,
            insert_text: insert.into(),
            snippet,
            replace: self.replace,
        });
    }

    fn resources_of(&mut self, kind: ResourceKind) {
        let names: Vec<(String, Option<String>)> = self
            .analysis
            .checked
            .model
            .symbols
            .iter()
            .filter(|s| s.kind == SymbolKind::Resource(Some(kind)))
            .map(|s| (s.name.to_string(), s.doc.clone()))
            .collect();
        for (name, doc) in names {
            self.push(
                name.clone(),
                CompletionKind::Resource,
                Some(kind.keyword().to_string()),
                doc,
                name,
                false,
            );
        }
    }
}

pub fn completions(analysis: &Analysis, file: FileId, offset: usize) -> Vec<CompletionItem> {
    // Only the declarations around the cursor: the tokens near it are what decide, and the
    // whole of a 90,000-line file takes milliseconds to lex.
    complete(analysis, file, offset, lex_window)
}

/// The part of a file that [`complete`] lexes, given the file's text, tree and the cursor.
type LexWindow = fn(&str, &SourceFile, usize) -> std::ops::Range<usize>;

fn complete(
    analysis: &Analysis,
    file: FileId,
    offset: usize,
    lex_window: LexWindow,
) -> Vec<CompletionItem> {
    let Some((text, syntax)) = analysis.source(file) else {
        return Vec::new();
    };
    let offset = clamp_offset(text, offset);
    if syntax
        .comments
        .iter()
        .any(|c| c.span.start() < offset && offset <= c.span.end())
    {
        return Vec::new();
    }
    let word = word_at(text, offset);
    let prefix_start = word.start();
    let window = lex_window(text, syntax, offset);
    let base = window.start;
    let mut tokens = lex(&text[window], file).tokens;
    if base > 0 {
        for (_, span) in &mut tokens {
            *span = Span::new(span.start() + base, span.end() + base);
        }
    }
    // Inside a string (not in an interpolation): complete the whole string.
    let inside_string = string_at(&tokens, offset);
    let before =
        tokens.partition_point(|(_, s)| s.end() <= prefix_start && s.start() < prefix_start);
    let before = if let Some(string) = inside_string {
        tokens.partition_point(|(_, s)| s.start() < string.start())
    } else {
        before
    };
    let prev = before.checked_sub(1).map(|i| tokens[i]);
    let prev2 = before.checked_sub(2).map(|i| tokens[i]);
    let replace = inside_string.unwrap_or(word);
    let mut ctx = Ctx {
        analysis,
        text,
        syntax,
        replace,
        out: Vec::new(),
    };
    let prev_kind = prev.map(|(t, _)| t.kind);
    match prev_kind {
        Some(Kind::KwReads) => {
            ctx.resources_of(ResourceKind::Bucket);
            ctx.resources_of(ResourceKind::Secret);
        }
        Some(Kind::KwWrites) => ctx.resources_of(ResourceKind::Bucket),
        Some(Kind::KwRuns) => ctx.resources_of(ResourceKind::Task),
        Some(Kind::KwInvokes) => ctx.resources_of(ResourceKind::Function),
        Some(Kind::Arrow) => {
            ctx.push(
                "function",
                CompletionKind::Keyword,
                Some("run a Lambda function".into()),
                None,
                "function ",
                false,
            );
            ctx.push(
                "task",
                CompletionKind::Keyword,
                Some("run a Fargate task".into()),
                None,
                "task ",
                false,
            );
        }
        Some(Kind::KwTask | Kind::KwFunction)
            if prev2.is_some_and(|(t, _)| t.kind == Kind::Arrow) =>
        {
            let kind = if prev_kind == Some(Kind::KwTask) {
                ResourceKind::Task
            } else {
                ResourceKind::Function
            };
            ctx.resources_of(kind);
        }
        Some(Kind::Dot) => after_dot(&mut ctx, &tokens, before - 1, offset),
        Some(Kind::Eq) => after_eq(&mut ctx, &tokens, before - 1, offset),
        _ => in_place(&mut ctx, prev, word, offset),
    }
    let typed = &text[word.start()..offset.max(word.start())];
    if !typed.is_empty() && inside_string.is_none() {
        let typed = typed.to_lowercase();
        ctx.out
            .retain(|c| subsequence(&c.label.to_lowercase(), &typed));
    }
    ctx.out
}

fn subsequence(label: &str, typed: &str) -> bool {
    let mut chars = label.chars();
    typed.chars().all(|t| chars.any(|c| c == t))
}

/// The span of the string literal holding `offset`, when the cursor is in its text.
/// What completion lexes: from the start of the top-level item before the one at `offset`
/// to the start of the second item after it (so the cursor has a whole item of tokens on each
/// side), among items that begin a line, where the lexer is in its plain state; else the
/// file's start or end.
fn lex_window(text: &str, syntax: &SourceFile, offset: usize) -> std::ops::Range<usize> {
    let bytes = text.as_bytes();
    let at_line_start = |&start: &usize| start == 0 || bytes.get(start - 1) == Some(&b'\n');
    let starts = syntax.items.iter().map(|i| i.span().start());
    let upto = syntax.items.partition_point(|i| i.span().start() <= offset);
    let start = starts
        .clone()
        .take(upto)
        .rev()
        .filter(at_line_start)
        .nth(1)
        .unwrap_or(0);
    let end = starts
        .skip(upto)
        .filter(at_line_start)
        .nth(1)
        .unwrap_or(text.len());
    start..end
}

fn string_at(tokens: &[(infrac_syntax::token::Token, Span)], offset: usize) -> Option<Span> {
    let mut open: Option<usize> = None;
    let mut depth = 0usize;
    for (token, span) in tokens {
        if span.start() >= offset && open.is_some() && depth == 0 {
            // The next token after the cursor: are we still in the string's text?
            return match token.kind {
                Kind::StrText | Kind::StrClose => Some(Span::new(
                    open.unwrap_or(0),
                    if token.kind == Kind::StrClose {
                        span.end()
                    } else {
                        string_end(tokens, span.start())
                    },
                )),
                _ => None,
            };
        }
        if span.start() >= offset {
            return None;
        }
        match token.kind {
            Kind::StrOpen if depth == 0 && open.is_none() => open = Some(span.start()),
            Kind::StrOpen => depth += 1,
            Kind::InterpOpen => depth += 1,
            Kind::InterpClose => depth = depth.saturating_sub(1),
            Kind::StrClose if depth == 0 => {
                if span.end() > offset {
                    return open.map(|o| Span::new(o, span.end()));
                }
                open = None;
            }
            Kind::StrClose => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

fn string_end(tokens: &[(infrac_syntax::token::Token, Span)], from: usize) -> usize {
    tokens
        .iter()
        .find(|(t, s)| s.start() >= from && t.kind == Kind::StrClose)
        .map_or(from, |(_, s)| s.end())
}

/// Which resource block (and its kind) or trigger block holds `offset`.
enum Place<'a> {
    TopLevel,
    ResourceBlock(&'static KindSchema, &'a Block),
    TriggerBlock(Option<&'static EventSchema>, &'a Block),
    Header,
}

fn place<'a>(ctx: &Ctx<'a>, offset: usize) -> Place<'a> {
    let Some(item) = item_at(ctx.syntax, offset) else {
        return Place::TopLevel;
    };
    let inside = |block: &Block| {
        block.span.start() < offset
            && (offset < block.span.end() || !ctx.text[block.span.range()].ends_with('}'))
    };
    match item {
        Item::Resource(r) => match (&r.block, r.kind.kind) {
            (Some(block), Some(kind)) if inside(block) => Place::ResourceBlock(schema(kind), block),
            (Some(block), None) if inside(block) => Place::Header,
            _ if offset <= r.name.span.end() && offset > r.kind.span.end() => Place::Header,
            _ if r.span.end() < offset => Place::TopLevel,
            _ => Place::TopLevel,
        },
        Item::Trigger(t) => match &t.block {
            Some(block) if inside(block) => Place::TriggerBlock(
                trigger_event(ctx.analysis, &t.source.text, &t.event.text),
                block,
            ),
            _ => Place::Header,
        },
        Item::Let(_) | Item::Output(_) | Item::Error(_) => Place::TopLevel,
    }
}

fn trigger_event(analysis: &Analysis, source: &str, event: &str) -> Option<&'static EventSchema> {
    let kind = analysis.checked.model.resource(source)?.kind;
    schema(kind).event(event)
}

/// Completion where nothing before the cursor says what comes: a new item or a new member.
fn in_place(
    ctx: &mut Ctx<'_>,
    prev: Option<(infrac_syntax::token::Token, Span)>,
    word: Span,
    offset: usize,
) {
    // A word typed right after another word on the same line (`bucket me|`) names something
    // new: nothing to offer.
    let starts_member = match prev {
        None => true,
        Some((t, s)) => {
            matches!(
                t.kind,
                Kind::LBrace | Kind::Semi | Kind::Comma | Kind::RBrace
            ) || ctx.text[s.end()..word.start()].contains('\n')
        }
    };
    if !starts_member {
        return;
    }
    match place(ctx, offset) {
        Place::ResourceBlock(kind_schema, block) => attributes(ctx, kind_schema, block, word),
        Place::TriggerBlock(_, block) => {
            let set = block.members.iter().any(|m| matches!(m, Member::Attr(a) if a.name.text == "env" && !a.name.span.touches(word.start())));
            if !set {
                ctx.push(
                    "env",
                    CompletionKind::Attribute,
                    Some("map<string,string>".into()),
                    Some(
                        "Environment added to the task's run; `event.*` fields may be used.".into(),
                    ),
                    "env = {\n  ${1:NAME} = ${2:event.key}\n}",
                    true,
                );
            }
        }
        Place::Header => {}
        Place::TopLevel => top_level(ctx),
    }
}

fn top_level(ctx: &mut Ctx<'_>) {
    let snippets: [(&str, &str, &str); 8] = [
        ("bucket", "an S3 bucket", "bucket ${1:name} {\n  $0\n}"),
        ("function", "a Lambda function", "function ${1:name} {\n  runtime = \"${2:nodejs24.x}\"\n  handler = \"${3:index.handler}\"\n  code = \"${4:./src}\"\n}"),
        ("task", "a Fargate task", "task ${1:name} {\n  image = \"${2:public.ecr.aws/docker/library/alpine:3.20}\"\n  cpu = ${3:256}\n  memory = ${4:512MB}\n}"),
        ("schedule", "an EventBridge schedule", "schedule ${1:name} {\n  cron = \"${2:0 3 * * *}\"\n}"),
        ("service", "a long-running container behind a load balancer", "service ${1:name} {\n  image = \"${2:public.ecr.aws/nginx/nginx:1.27}\"\n  port = ${3:80}\n  health = \"${4:/}\"\n}"),
        ("secret", "a value kept in SSM Parameter Store", "secret ${1:name}"),
        ("let", "a named value", "let ${1:name} = ${0}"),
        ("output", "a value shown after deploy", "output ${1:name} = ${0}"),
    ];
    for (label, detail, snippet) in snippets {
        let doc = ResourceKind::from_keyword(label).map(|k| schema(k).doc.to_string());
        ctx.push(
            label,
            if doc.is_some() {
                CompletionKind::Kind
            } else {
                CompletionKind::Keyword
            },
            Some(detail.to_string()),
            doc,
            snippet,
            true,
        );
    }
    // Trigger sources: buckets and schedules.
    let sources: Vec<(String, ResourceKind)> = ctx
        .analysis
        .checked
        .model
        .resources
        .iter()
        .filter(|r| !schema(r.kind).events.is_empty())
        .map(|r| (r.name.to_string(), r.kind))
        .collect();
    for (name, kind) in sources {
        ctx.push(
            name.clone(),
            CompletionKind::Resource,
            Some(format!("{} (trigger source)", kind.keyword())),
            None,
            name,
            false,
        );
    }
}

fn attributes(ctx: &mut Ctx<'_>, kind_schema: &'static KindSchema, block: &Block, word: Span) {
    let set: Vec<&str> = block
        .members
        .iter()
        .filter_map(|m| match m {
            Member::Attr(a) if !a.name.span.touches(word.start()) || a.name.span != word => {
                Some(a.name.text.as_str())
            }
            _ => None,
        })
        .collect();
    for attr in kind_schema.attrs.iter().filter(|a| !set.contains(&a.name)) {
        let snippet = format!("{} = {}", attr.name, snippet_value(attr));
        ctx.push(
            attr.name,
            CompletionKind::Attribute,
            Some(attr.ty.name().to_string()),
            Some(attr_hover(kind_schema.kind, attr)),
            snippet,
            true,
        );
    }
    if infrac_check::compute::holds_access(kind_schema.kind) {
        ctx.push(
            "reads",
            CompletionKind::Keyword,
            Some("grant read access to a bucket".into()),
            None,
            "reads ${1:bucket}",
            true,
        );
        ctx.push(
            "writes",
            CompletionKind::Keyword,
            Some("grant write access to a bucket".into()),
            None,
            "writes ${1:bucket}",
            true,
        );
        ctx.push(
            "runs",
            CompletionKind::Keyword,
            Some("let the code start a task".into()),
            None,
            "runs ${1:task}",
            true,
        );
        ctx.push(
            "invokes",
            CompletionKind::Keyword,
            Some("let the code call a function".into()),
            None,
            "invokes ${1:function}",
            true,
        );
    }
}

/// The value part of an attribute snippet: quoted strings keep their quotes outside the
/// placeholder.
fn snippet_value(attr: &AttrSchema) -> String {
    match attr.ty {
        Type::String => format!("\"${{1:{}}}\"", attr.example.trim_matches('"')),
        Type::MapOfString => "{\n  ${1:NAME} = \"${2:value}\"\n}".to_string(),
        Type::ListOfString => "[\"${1:command}\"]".to_string(),
        _ => format!("${{1:{}}}", attr.example),
    }
}

/// After `name.`: fields of `event`, events of a bucket or schedule, values of a resource.
fn after_dot(
    ctx: &mut Ctx<'_>,
    tokens: &[(infrac_syntax::token::Token, Span)],
    dot: usize,
    offset: usize,
) {
    let Some(&(head_token, head_span)) = dot.checked_sub(1).and_then(|i| tokens.get(i)) else {
        return;
    };
    let head = &ctx.text[head_span.range()];
    if head_token.kind == Kind::KwEvent {
        if let Place::TriggerBlock(Some(event), _) = place(ctx, offset) {
            for field in event.fields {
                ctx.push(
                    field.name,
                    CompletionKind::Field,
                    Some(field.ty.name().to_string()),
                    Some(field.doc.to_string()),
                    field.name,
                    false,
                );
            }
        }
        return;
    }
    if head_token.kind != Kind::Ident {
        return;
    }
    let Some(resource) = ctx.analysis.checked.model.resource(head) else {
        return;
    };
    let kind_schema = schema(resource.kind);
    // `media.` at the start of a line is a trigger; inside a value it reads a value.
    let starts_item = head_token.line_start
        && !matches!(
            place(ctx, offset),
            Place::ResourceBlock(..) | Place::TriggerBlock(..)
        );
    if starts_item {
        for event in kind_schema.events {
            let snippet = if event.takes_pattern {
                format!(
                    "{}(\"${{1:.jpg}}\") -> ${{2|function,task|}} ${{3:target}}",
                    event.name
                )
            } else {
                format!("{}() -> ${{1|function,task|}} ${{2:target}}", event.name)
            };
            ctx.push(
                event.name,
                CompletionKind::Event,
                Some(format!("{} event", resource.kind.keyword())),
                Some(event.doc.to_string()),
                snippet,
                true,
            );
        }
    } else {
        for value in kind_schema.values {
            ctx.push(
                value.name,
                CompletionKind::Field,
                Some("string".into()),
                Some(value.doc.to_string()),
                value.name,
                false,
            );
        }
    }
}

/// After `name =`: the values this attribute allows, then lets and resource values of its type.
fn after_eq(
    ctx: &mut Ctx<'_>,
    tokens: &[(infrac_syntax::token::Token, Span)],
    eq: usize,
    offset: usize,
) {
    let Some(&(_, name_span)) = eq.checked_sub(1).and_then(|i| tokens.get(i)) else {
        return;
    };
    let name = &ctx.text[name_span.range()];
    let place = place(ctx, offset);
    let attr = match &place {
        Place::ResourceBlock(kind_schema, block) => {
            // While the value is being typed the member may not parse: a name is an attribute
            // unless it sits inside a map value.
            let in_map = block.members.iter().any(|m| {
                matches!(m, Member::Attr(a) if matches!(a.value.kind, ExprKind::Map(_)) && a.value.span.contains_span(name_span))
            });
            if in_map {
                None
            } else {
                kind_schema.attr(name).map(|a| (*kind_schema, a, *block))
            }
        }
        _ => None,
    };
    if let Some((kind_schema, attr, block)) = attr {
        values_for(ctx, kind_schema, attr, block);
        return;
    }
    // A map entry or a let: any string-ish value.
    let event = match place {
        Place::TriggerBlock(event, _) => event,
        _ => None,
    };
    if let Some(event) = event {
        for field in event.fields {
            let label = format!("event.{}", field.name);
            let insert = if field.ty == Type::String {
                label.clone()
            } else {
                format!("\"${{event.{}}}\"", field.name)
            };
            ctx.push(
                label,
                CompletionKind::Field,
                Some(field.ty.name().to_string()),
                Some(field.doc.to_string()),
                insert,
                false,
            );
        }
    }
    resource_values(ctx);
}

fn resource_values(ctx: &mut Ctx<'_>) {
    let values: Vec<(String, String)> = ctx
        .analysis
        .checked
        .model
        .resources
        .iter()
        .flat_map(|r| {
            schema(r.kind)
                .values
                .iter()
                .map(move |v| (format!("{}.{}", r.name, v.name), v.doc.to_string()))
        })
        .collect();
    for (label, doc) in values {
        ctx.push(
            label.clone(),
            CompletionKind::Variable,
            Some("string".into()),
            Some(doc),
            label,
            false,
        );
    }
}

fn values_for(ctx: &mut Ctx<'_>, kind_schema: &KindSchema, attr: &AttrSchema, block: &Block) {
    let quoted = |v: &str| format!("\"{v}\"");
    match (attr.rule, attr.ty) {
        (Rule::Runtime, _) => {
            for runtime in current_runtimes(infrac_check::Date::today()).map(|r| r.name) {
                ctx.push(
                    quoted(runtime),
                    CompletionKind::Value,
                    Some("Lambda runtime".into()),
                    None,
                    quoted(runtime),
                    false,
                );
            }
        }
        (Rule::OneOfStr(values), _) => {
            for v in values {
                ctx.push(
                    quoted(v),
                    CompletionKind::Value,
                    None,
                    None,
                    quoted(v),
                    false,
                );
            }
        }
        (Rule::OneOfInt(values), _) => {
            for v in values {
                ctx.push(
                    v.to_string(),
                    CompletionKind::Value,
                    Some(attr.name.to_string()),
                    None,
                    v.to_string(),
                    false,
                );
            }
        }
        (Rule::IntRange { .. }, _) => {
            // Values people pick, each with what it means.
            let examples: &[(&str, &str)] = match attr.name {
                "port" => &[
                    ("80", "HTTP"),
                    ("8080", "a common app port"),
                    ("3000", "Node.js, Rails"),
                    ("8000", "Python"),
                    ("5000", "Flask"),
                ],
                "target_cpu" => &[
                    ("50", "percent"),
                    ("70", "percent (the default)"),
                    ("80", "percent"),
                ],
                "count" => &[
                    ("1", "task"),
                    ("2", "tasks"),
                    ("0", "tasks: stopped, load balancer kept"),
                ],
                "min" => &[
                    ("1", "task at least"),
                    ("2", "tasks at least"),
                    ("0", "tasks at least"),
                ],
                "max" => &[
                    ("2", "tasks at most"),
                    ("4", "tasks at most"),
                    ("10", "tasks at most"),
                ],
                _ => &[],
            };
            for (value, detail) in examples {
                ctx.push(
                    *value,
                    CompletionKind::Value,
                    Some((*detail).to_string()),
                    None,
                    *value,
                    false,
                );
            }
        }
        (Rule::HttpPath(_), _) => {
            for path in ["/healthz", "/health", "/"] {
                ctx.push(
                    quoted(path),
                    CompletionKind::Value,
                    Some("health check path".into()),
                    None,
                    quoted(path),
                    false,
                );
            }
        }
        _ if matches!(kind_schema.kind, ResourceKind::Task | ResourceKind::Service)
            && attr.name == "memory" =>
        {
            let cpu = block.members.iter().find_map(|m| match m {
                Member::Attr(a) if a.name.text == "cpu" => match a.value.kind {
                    ExprKind::Int(i) => Some(i),
                    _ => None,
                },
                _ => None,
            });
            let cpu = cpu.unwrap_or(256);
            let valid = fargate_memory(cpu);
            let detail = if FARGATE_CPU.contains(&cpu) {
                Some(format!("valid with cpu = {cpu}"))
            } else {
                None
            };
            for mb in valid {
                let text = format_size(mb);
                ctx.push(
                    text.clone(),
                    CompletionKind::Value,
                    detail.clone(),
                    None,
                    text,
                    false,
                );
            }
        }
        (_, Type::Bool) => {
            ctx.push("true", CompletionKind::Value, None, None, "true", false);
            ctx.push("false", CompletionKind::Value, None, None, "false", false);
        }
        (Rule::SizeRange { .. }, _) => {
            let examples: &[&str] = if attr.name == "storage" {
                &["21GB", "50GB", "100GB", "200GB"]
            } else {
                &["128MB", "256MB", "512MB", "1GB", "2GB", "4GB", "10GB"]
            };
            for e in examples {
                ctx.push(*e, CompletionKind::Value, None, None, *e, false);
            }
        }
        (Rule::DurationRange { .. } | Rule::WholeDays { .. } | Rule::Every, _) => {
            let examples: &[&str] = match attr.rule {
                Rule::WholeDays { .. } => &["1d", "7d", "30d", "90d", "365d"],
                Rule::Every => &["1m", "5m", "15m", "1h", "6h", "1d"],
                _ => &["3s", "10s", "30s", "1m", "5m", "15m"],
            };
            for e in examples {
                ctx.push(*e, CompletionKind::Value, None, None, *e, false);
            }
        }
        (Rule::Cron, _) => {
            for (cron, when) in [
                ("0 3 * * *", "03:00 every day"),
                ("*/15 * * * *", "every 15 minutes"),
                ("0 9 * * MON-FRI", "09:00 on weekdays"),
                ("0 0 1 * *", "midnight on the 1st"),
            ] {
                ctx.push(
                    quoted(cron),
                    CompletionKind::Value,
                    Some(when.into()),
                    None,
                    quoted(cron),
                    false,
                );
            }
        }
        (Rule::ExistingPath | Rule::DockerContext, _) => {
            let root = ctx.analysis.project.root.clone();
            let mut entries: Vec<String> = ctx
                .analysis
                .fs()
                .list_dir(&root)
                .unwrap_or_default()
                .into_iter()
                .filter(|p| {
                    if attr.rule == Rule::DockerContext {
                        ctx.analysis.fs().is_file(&p.join("Dockerfile"))
                    } else {
                        ctx.analysis.fs().is_dir(p)
                            && !p
                                .file_name()
                                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
                    }
                })
                .filter_map(|p| p.file_name().map(|n| format!("./{}", n.to_string_lossy())))
                .collect();
            entries.sort();
            for e in entries {
                ctx.push(
                    quoted(&e),
                    CompletionKind::Value,
                    Some("folder".into()),
                    None,
                    quoted(&e),
                    false,
                );
            }
        }
        (_, Type::MapOfString) => {
            ctx.push(
                "{ … }",
                CompletionKind::Value,
                None,
                None,
                "{\n  ${1:NAME} = \"${2:value}\"\n}",
                true,
            );
        }
        _ => {}
    }
    // Values known after deploy fit free-form strings, not a fixed set or a path.
    if attr.ty == Type::String && attr.rule == Rule::None {
        resource_values(ctx);
    }
    let lets: Vec<String> = ctx
        .analysis
        .checked
        .model
        .symbols
        .iter()
        .filter(|s| s.kind == SymbolKind::Let)
        .map(|s| s.name.to_string())
        .collect();
    for name in lets {
        ctx.push(
            name.clone(),
            CompletionKind::Variable,
            Some("let".into()),
            None,
            name,
            false,
        );
    }
}

#[cfg(test)]
mod plain_text_tests {
    use super::snippet_to_plain;

    #[test]
    fn snippets_as_plain_text_keep_the_defaults() {
        assert_eq!(
            snippet_to_plain("task ${1:name} {\n  image = \"${2:public.ecr.aws/x:1}\"\n  $0\n}"),
            "task name {\n  image = \"public.ecr.aws/x:1\"\n  \n}"
        );
        assert_eq!(
            snippet_to_plain("on_put(\"${1:.jpg}\") -> ${2|function,task|} ${3:target}"),
            "on_put(\".jpg\") -> function target"
        );
        assert_eq!(snippet_to_plain("let ${1:name} = ${0}"), "let name = ");
        assert_eq!(
            snippet_to_plain("a \\$1 \\} \\\\ ${1:x${2:y}z}"),
            "a $1 } \\ xyz"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::analysis;

    /// Lexing the items around the cursor completes exactly as lexing the whole file, at
    /// every offset of the examples (strings with interpolations, comments, triggers with
    /// blocks, several items per file) and of a file with mistakes in it.
    #[test]
    fn completing_from_the_items_around_is_completing_from_the_whole_file() {
        let mut programs: Vec<String> = Vec::new();
        for dir in [
            "thumbnailer",
            "gallery",
            "access-patterns",
            "nightly-cleanup",
        ] {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../examples")
                .join(dir);
            for entry in std::fs::read_dir(&dir).expect("example folder") {
                let path = entry.expect("entry").path();
                if path.extension().is_some_and(|e| e == "infra") {
                    programs.push(std::fs::read_to_string(path).expect("example file"));
                }
            }
        }
        programs.push(
            "bucket media {}\n\nfunction f {\n  runtime = \"nodejs24.x\n  reads me\n}\n\n\
             /* a comment\n  over lines */\nmedia.on_put(\"${x\") -> task t {\n  env = { K = \"a${event.}\" }\n}\n  \
             bucket indented {}\nbuc\n"
                .to_string(),
        );
        programs.push(
            "task t {\n  image = \"x\n  cpu = 256\n\ntask u { image = \"y\" }\nfunction f {\n  env = {\n\
             bucket b {}\nb.on_put(\"a\") -> task t\nlet x = \"${b.\"\nbucket c { versioning = }\n"
                .to_string(),
        );
        assert!(programs.len() >= 5, "found {} programs", programs.len());
        for program in &programs {
            let (a, file, _) = analysis(program, &[]);
            for offset in (0..=program.len()).filter(|&o| program.is_char_boundary(o)) {
                assert_eq!(
                    complete(&a, file, offset, lex_window),
                    complete(&a, file, offset, |text, _, _| 0..text.len()),
                    "at offset {offset} of:\n{program}"
                );
            }
        }
    }

    fn labels(program: &str) -> String {
        let (a, file, offset) = analysis(program, &[]);
        completions(&a, file, offset)
            .iter()
            .map(|c| c.label.clone())
            .collect::<Vec<_>>()
            .join(" ")
    }

    const BASE: &str = "bucket media {}\nbucket logs {}\nschedule nightly { every = 1h }\nfunction f {\n  runtime = \"nodejs24.x\"\n  handler = \"index.handler\"\n  code = \"./src\"\n}\ntask t { image = \"x\" }\nsecret api_key\n";

    #[test]
    fn kinds_and_trigger_sources_at_the_start_of_an_item() {
        assert_eq!(
            labels(&format!("{BASE}$0")),
            "bucket function task schedule service secret let output media logs nightly"
        );
        assert_eq!(labels(&format!("{BASE}fu$0")), "function");
    }

    #[test]
    fn attributes_not_yet_set() {
        assert_eq!(
            labels("function f {\n  runtime = \"nodejs24.x\"\n  $0\n}\n"),
            "handler code memory timeout arch env reads writes runs invokes"
        );
        assert_eq!(labels("bucket b {\n  ver$0\n}\n"), "versioning");
        assert_eq!(
            labels("task t { image = \"x\"; $0 }\n"),
            "build cpu memory command env arch storage reads writes runs invokes"
        );
    }

    #[test]
    fn values_after_equals() {
        assert_eq!(
            labels("task t {\n  cpu = 1024\n  memory = $0\n}\n"),
            "2GB 3GB 4GB 5GB 6GB 7GB 8GB"
        );
        assert_eq!(labels("task t {\n  arch = $0\n}\n"), "\"x86_64\" \"arm64\"");
        assert_eq!(labels("bucket b {\n  versioning = $0\n}\n"), "true false");
        // Only the runtimes a new function may use today, newest first.
        assert!(labels("function f {\n  runtime = \"no$0\"\n}\n").starts_with("\"nodejs24.x\""));
    }

    #[test]
    fn names_of_the_expected_kind() {
        assert_eq!(
            labels(&format!("{BASE}task u {{\n  reads $0\n}}\n")),
            "media logs api_key"
        );
        assert_eq!(
            labels(&format!("{BASE}task u {{\n  writes $0\n}}\n")),
            "media logs"
        );
        assert_eq!(labels(&format!("{BASE}task u {{\n  runs $0\n}}\n")), "t u");
        assert_eq!(
            labels(&format!("{BASE}function g {{\n  invokes $0\n}}\n")),
            "f g"
        );
        assert_eq!(
            labels(&format!(
                "{BASE}task u {{\n  env = {{ K = api_key.$0 }}\n}}\n"
            )),
            "value name"
        );
        assert_eq!(labels(&format!("{BASE}media.on_put() -> task $0")), "t");
        assert_eq!(labels(&format!("{BASE}media.on_put() -> function $0")), "f");
        assert_eq!(
            labels(&format!("{BASE}media.on_put() -> $0")),
            "function task"
        );
    }

    #[test]
    fn events_after_a_source_and_fields_after_event() {
        assert_eq!(labels(&format!("{BASE}media.$0")), "on_put on_delete");
        assert_eq!(labels(&format!("{BASE}nightly.$0")), "on_tick");
        assert_eq!(
            labels(&format!(
                "{BASE}media.on_put() -> task t {{\n  env = {{ K = event.$0 }}\n}}\n"
            )),
            "key bucket size"
        );
        assert_eq!(
            labels(&format!(
                "{BASE}nightly.on_tick() -> task t {{\n  env = {{ K = event.$0 }}\n}}\n"
            )),
            "time"
        );
        assert_eq!(
            labels(&format!(
                "{BASE}task u {{\n  env = {{ B = media.$0 }}\n}}\n"
            )),
            "name arn"
        );
    }

    #[test]
    fn nothing_in_comments_or_after_a_new_name() {
        assert_eq!(labels("// bucket $0\n"), "");
        assert_eq!(labels("bucket me$0"), "");
    }

    #[test]
    fn attribute_items_carry_snippets_and_docs() {
        let (a, file, offset) = analysis("function f {\n  $0\n}\n", &[]);
        let items = completions(&a, file, offset);
        let memory = items.iter().find(|c| c.label == "memory").expect("memory");
        assert_eq!(memory.insert_text, "memory = ${1:512MB}");
        assert!(memory.snippet);
        assert!(memory
            .documentation
            .as_deref()
            .is_some_and(|d| d.contains("128MB")));
        let runtime = items
            .iter()
            .find(|c| c.label == "runtime")
            .expect("runtime");
        assert_eq!(runtime.insert_text, "runtime = \"${1:nodejs24.x}\"");
    }
}
