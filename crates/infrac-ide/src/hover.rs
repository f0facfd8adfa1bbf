//! Hover: the docs of kinds, attributes, events and fields (type, default, allowed values);
//! on a resource, the AWS resources it will create and, when the stack has state, whether each
//! exists and what would change; on a schedule, when it next runs; `///` docs everywhere.

use crate::{clamp_offset, item_at, Analysis, SecretStatus};
use infrac_check::compute::{added_env, granted};
use infrac_check::cron::{format_utc, rate_expression, Cron};
use infrac_check::model::{format_duration, format_size, SymbolKind};
use infrac_check::schema::{schema, AttrSchema, EventSchema, KindSchema, Requirement, Rule};
use infrac_plan::diff::Action;
use infrac_syntax::ast::{
    AccessMode, Block, Expr, ExprKind, Item, Member, ResourceKind, StrPart, TargetKind,
};
use infrac_syntax::{FileId, Span};
use std::fmt::Write as _;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hover {
    /// What the hover is about (highlighted by the editor).
    pub span: Span,
    /// Markdown.
    pub markdown: String,
}

/// The hover at `offset`; `now` (Unix seconds) is when "next runs" are counted from.
pub fn hover(analysis: &Analysis, file: FileId, offset: usize, now: i64) -> Option<Hover> {
    let (text, syntax) = analysis.source(file)?;
    let offset = clamp_offset(text, offset);
    if syntax
        .comments
        .iter()
        .any(|c| c.span.start() < offset && offset < c.span.end())
    {
        return None;
    }
    // A declared name or a reference to one.
    if let Some(id) = analysis.checked.model.symbol_at(file, offset) {
        let symbol = &analysis.checked.model.symbols[id];
        let span = analysis
            .checked
            .model
            .references
            .iter()
            .find(|r| r.file == file && r.span.touches(offset))
            .map_or(symbol.name_span, |r| r.span);
        if symbol.file != file || !symbol.name_span.touches(offset) || span.touches(offset) {
            return Some(Hover {
                span,
                markdown: symbol_hover(analysis, id),
            });
        }
    }
    let item = item_at(syntax, offset)?;
    match item {
        Item::Resource(r) => {
            if r.kind.span.touches(offset) {
                let kind = r.kind.kind?;
                return Some(Hover {
                    span: r.kind.span,
                    markdown: kind_hover(schema(kind)),
                });
            }
            let kind = r.kind.kind?;
            member_hover(r.block.as_ref()?, schema(kind), None, offset, now)
        }
        Item::Trigger(t) => {
            let source_kind = analysis
                .checked
                .model
                .resource(&t.source.text)
                .map(|r| r.kind);
            let event = source_kind.and_then(|k| schema(k).event(&t.event.text));
            if t.event.span.touches(offset) {
                let event = event?;
                return Some(Hover {
                    span: t.event.span,
                    markdown: event_hover(source_kind?, event),
                });
            }
            if t.target_kind_span.touches(offset) {
                let markdown = match t.target_kind {
                    TargetKind::Function => "Runs a **function** on each event; the function receives the event itself as its argument.",
                    TargetKind::Task => "Runs a **task** on ECS Fargate for each event; the trigger's block may add `env` for that run, using `event.*` fields.",
                };
                return Some(Hover {
                    span: t.target_kind_span,
                    markdown: markdown.to_string(),
                });
            }
            let block = t.block.as_ref()?;
            for member in &block.members {
                if let Member::Attr(a) = member {
                    if a.name.span.touches(offset) && a.name.text == "env" {
                        return Some(Hover {
                            span: a.name.span,
                            markdown: "**env** `map<string,string>`\n\nEnvironment added to the task's own `env` for the runs this trigger starts. `event.*` fields are filled in per event.".to_string(),
                        });
                    }
                    if let Some(h) = expr_hover(&a.value, offset, event, now, None) {
                        return Some(h);
                    }
                }
            }
            None
        }
        Item::Let(b) | Item::Output(b) => expr_hover(&b.value, offset, None, now, None),
        Item::Error(_) => None,
    }
}

fn member_hover(
    block: &Block,
    kind_schema: &KindSchema,
    event: Option<&'static EventSchema>,
    offset: usize,
    now: i64,
) -> Option<Hover> {
    for member in &block.members {
        match member {
            Member::Attr(a) => {
                if a.name.span.touches(offset) {
                    let attr = kind_schema.attr(&a.name.text)?;
                    return Some(Hover {
                        span: a.name.span,
                        markdown: attr_hover(kind_schema.kind, attr),
                    });
                }
                let attr = kind_schema.attr(&a.name.text);
                if let Some(h) = expr_hover(&a.value, offset, event, now, attr) {
                    return Some(h);
                }
            }
            Member::Access(acc) if acc.mode_span.touches(offset) => {
                return Some(Hover {
                    span: acc.mode_span,
                    markdown: access_hover(acc.mode, &acc.bucket.text),
                });
            }
            _ => {}
        }
    }
    None
}

/// What an access grants, and for `runs` and `invokes` the variables it adds (named after
/// `target`).
fn access_hover(mode: AccessMode, target: &str) -> String {
    match mode {
        AccessMode::Reads => "**reads** *bucket* or *secret*\n\nOf a bucket: grants `s3:GetObject` on the bucket's objects and `s3:ListBucket` on the bucket, and nothing else.\n\nOf a secret: grants `ssm:GetParameter` on exactly its parameter, and `kms:Decrypt` only through SSM with the `alias/aws/ssm` key.".to_string(),
        AccessMode::Writes => "**writes** *bucket* or *bucket*(\"*pattern*\")\n\nGrants `s3:PutObject` on the bucket's objects, or only on the keys matching the pattern (`writes media(\"*.jpg\")`).".to_string(),
        AccessMode::Runs | AccessMode::Invokes => {
            let (what, call) = if mode == AccessMode::Runs {
                ("*task*", "Lets the code start the task with ECS's `RunTask`.")
            } else {
                ("*function*", "Lets the code call the function with Lambda's `Invoke`.")
            };
            let mut out = format!("**{}** {what}\n\n{call}\n\nAdds to the environment:\n", mode.keyword());
            for var in added_env(mode, target) {
                out.push_str(&format!("- `{}`: {}\n", var.name, var.doc));
            }
            out.push_str("\nGrants:\n");
            for grant in granted(mode, target) {
                out.push_str(&format!("- {grant}\n"));
            }
            out.trim_end().to_string()
        }
    }
}

/// Hover inside a value: `event.key`'s field, a schedule's next runs.
fn expr_hover(
    expr: &Expr,
    offset: usize,
    event: Option<&'static EventSchema>,
    now: i64,
    attr: Option<&AttrSchema>,
) -> Option<Hover> {
    if !expr.span.touches(offset) {
        return None;
    }
    match &expr.kind {
        ExprKind::Path(parts) if parts.first().is_some_and(|p| p.text == "event") => {
            let field = parts.get(1).filter(|f| f.span.touches(offset));
            match (event, field) {
                (Some(event), Some(field)) => {
                    let f = event.field(&field.text)?;
                    Some(Hover {
                        span: field.span,
                        markdown: format!("**event.{}** `{}`\n\n{}", f.name, f.ty.name(), f.doc),
                    })
                }
                (Some(event), None) if parts[0].span.touches(offset) => Some(Hover {
                    span: parts[0].span,
                    markdown: format!(
                        "**event**: the `{}` event that started this run.\n\nFields: {}",
                        event.name,
                        event
                            .fields
                            .iter()
                            .map(|f| format!("`{}` ({})", f.name, f.ty.name()))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                }),
                _ => None,
            }
        }
        ExprKind::Str(lit) => {
            for part in &lit.parts {
                if let StrPart::Interp(inner) = part {
                    if let Some(h) = expr_hover(inner, offset, event, now, None) {
                        return Some(h);
                    }
                }
            }
            let rule = attr.map(|a| a.rule);
            if rule == Some(Rule::Cron) {
                let value = lit.as_plain()?;
                let markdown = match Cron::parse(&value) {
                    Ok(cron) => {
                        let runs: Vec<String> = cron
                            .next_runs(now, 3)
                            .into_iter()
                            .map(|t| format!("- {}", format_utc(t)))
                            .collect();
                        format!(
                            "**cron** `{value}` (UTC), `{}` in EventBridge\n\nNext runs:\n{}",
                            cron.to_aws(),
                            runs.join("\n")
                        )
                    }
                    Err(message) => format!("**cron** `{value}`: {message}"),
                };
                return Some(Hover {
                    span: expr.span,
                    markdown,
                });
            }
            None
        }
        ExprKind::Duration { .. } if attr.is_some_and(|a| a.rule == Rule::Every) => {
            let seconds = match &expr.kind {
                ExprKind::Duration { value, unit } => value.checked_mul(unit.seconds())?,
                _ => return None,
            };
            let markdown = match rate_expression(seconds) {
                Ok(rate) => format!(
                    "**every** {}: `{rate}` in EventBridge\n\nThe first tick comes one period after the schedule is deployed, then every {} (UTC).",
                    format_duration(seconds),
                    format_duration(seconds)
                ),
                Err(message) => format!("**every** {}: {message}", format_duration(seconds)),
            };
            Some(Hover {
                span: expr.span,
                markdown,
            })
        }
        ExprKind::List(items) => items
            .iter()
            .find_map(|i| expr_hover(i, offset, event, now, None)),
        ExprKind::Map(entries) => entries
            .iter()
            .find_map(|e| expr_hover(&e.value, offset, event, now, None)),
        _ => None,
    }
}

fn kind_hover(kind_schema: &KindSchema) -> String {
    let mut out = format!(
        "**{}**: {} ({})\n\n| attribute | type | default |\n|---|---|---|\n",
        kind_schema.kind.keyword(),
        kind_schema.doc,
        kind_schema.aws
    );
    for attr in kind_schema.attrs {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} |",
            attr.name,
            attr.ty.name(),
            default_text(attr)
        );
    }
    if !kind_schema.events.is_empty() {
        let events: Vec<String> = kind_schema
            .events
            .iter()
            .map(|e| format!("`{}`", e.name))
            .collect();
        let _ = write!(out, "\nEvents: {}", events.join(", "));
    }
    out
}

fn default_text(attr: &AttrSchema) -> String {
    match (attr.default, attr.requirement) {
        (Some(d), _) => format!("`{}`", d.source_text()),
        (None, Requirement::Required) => "required".to_string(),
        (None, Requirement::RequiredUnlessProvidedRuntime) => {
            "required (except `provided.*`)".to_string()
        }
        (None, Requirement::Optional) => "none".to_string(),
    }
}

/// Type, default, allowed values and docs of an attribute.
pub(crate) fn attr_hover(kind: ResourceKind, attr: &AttrSchema) -> String {
    let mut out = format!(
        "**{}.{}** `{}`, default {}\n\n{}",
        kind.keyword(),
        attr.name,
        attr.ty.name(),
        default_text(attr),
        attr.doc
    );
    if let Some(allowed) = allowed_values(attr) {
        let _ = write!(out, "\n\nAllowed: {allowed}");
    }
    out
}

fn allowed_values(attr: &AttrSchema) -> Option<String> {
    Some(match attr.rule {
        Rule::OneOfStr(values) => values
            .iter()
            .map(|v| format!("`\"{v}\"`"))
            .collect::<Vec<_>>()
            .join(", "),
        Rule::OneOfInt(values) => values
            .iter()
            .map(|v| format!("`{v}`"))
            .collect::<Vec<_>>()
            .join(", "),
        Rule::SizeRange { min, max } => format!("`{}` to `{}`", format_size(min), format_size(max)),
        Rule::DurationRange { min, max } => {
            format!("`{}` to `{}`", format_duration(min), format_duration(max))
        }
        Rule::Runtime => infrac_check::schema::current_runtimes(infrac_check::Date::today())
            .map(|r| format!("`\"{}\"`", r.name))
            .collect::<Vec<_>>()
            .join(", "),
        _ => return None,
    })
}

fn event_hover(kind: ResourceKind, event: &EventSchema) -> String {
    let fields: Vec<String> = event
        .fields
        .iter()
        .map(|f| format!("- `event.{}` ({}): {}", f.name, f.ty.name(), f.doc))
        .collect();
    format!(
        "**{}.{}**{}\n\n{}\n\nFields:\n{}",
        kind.keyword(),
        event.name,
        if event.takes_pattern {
            "(*pattern*)"
        } else {
            "()"
        },
        event.doc,
        fields.join("\n")
    )
}

fn symbol_hover(analysis: &Analysis, id: usize) -> String {
    let model = &analysis.checked.model;
    let symbol = &model.symbols[id];
    let mut out = String::new();
    match symbol.kind {
        SymbolKind::Resource(Some(kind)) => {
            let _ = write!(
                out,
                "**{}** `{}` ({})",
                kind.keyword(),
                symbol.name,
                schema(kind).aws
            );
        }
        SymbolKind::Resource(None) => {
            let _ = write!(out, "`{}` (a declaration of an unknown kind)", symbol.name);
        }
        SymbolKind::Let => {
            let value = &analysis.project.file(symbol.file).text[symbol.span.range()];
            let _ = write!(out, "```infra\n{}\n```", value.trim());
        }
        SymbolKind::Output => {
            let _ = write!(out, "**output** `{}`", symbol.name);
        }
    }
    if let Some(doc) = &symbol.doc {
        let _ = write!(out, "\n\n{doc}");
    }
    if symbol.kind == SymbolKind::Resource(Some(ResourceKind::Service)) {
        match analysis.service_url(&symbol.name) {
            Some(url) => {
                let _ = write!(out, "\n\nURL (stack `{}`): <{url}>", analysis.stack);
            }
            None => {
                let _ = write!(
                    out,
                    "\n\nIts URL (`{}.url`, `http://` and the load balancer's name) is known after deploy.",
                    symbol.name
                );
            }
        }
    }
    if let SymbolKind::Resource(Some(ResourceKind::Secret)) = symbol.kind {
        secret_status(analysis, &symbol.name, &mut out);
    } else if let SymbolKind::Resource(Some(_)) = symbol.kind {
        planned_resources(analysis, &symbol.name, &mut out);
    }
    out
}

/// Whether the secret is set in the stack, and how to set it when it is not.
fn secret_status(analysis: &Analysis, name: &str, out: &mut String) {
    let stack = &analysis.stack;
    let parameter =
        infrac_plan::names::Namer::new(&analysis.project.settings.name, stack).ssm_parameter(name);
    let _ = write!(
        out,
        "\n\n---\n\nParameter `{parameter}` (a `SecureString`). "
    );
    let command = format!("`infrac secret set {name} --stack {stack}`");
    match analysis.secret_status(name) {
        Some(SecretStatus::Set) => {
            let _ = write!(out, "**Set** in stack `{stack}`.");
        }
        Some(SecretStatus::NotSet) => {
            let _ = write!(
                out,
                "**Not set** in stack `{stack}`: plan and deploy refuse until {command} sets it."
            );
        }
        Some(SecretStatus::Unknown(why)) => {
            let _ = write!(
                out,
                "Whether it is set in stack `{stack}` is not known: {why}. {command} sets it."
            );
        }
        None => {
            let _ = write!(
                out,
                "Whether it is set in stack `{stack}` is not known yet. {command} sets it."
            );
        }
    }
}

/// The AWS resources a declaration creates, and what a deploy would do to each.
fn planned_resources(analysis: &Analysis, name: &str, out: &mut String) {
    let preview = analysis.preview(name);
    let resources = &preview.resources;
    if resources.is_empty() {
        return;
    }
    let _ = write!(
        out,
        "\n\n---\n\nCreates {} AWS resource{} in stack `{}`:\n",
        resources.len(),
        if resources.len() == 1 { "" } else { "s" },
        analysis.stack
    );
    for resource in resources {
        let status = match &preview.steps {
            None => String::new(),
            Some(steps) => match steps.get(&resource.id) {
                None => " (deployed, up to date)".to_string(),
                Some(step) => match step.action {
                    Action::Create => " (not deployed yet: will be created)".to_string(),
                    Action::Delete => " (will be deleted)".to_string(),
                    Action::Update | Action::Replace => {
                        format!(
                            " (will {}: {})",
                            step.action.as_str(),
                            step.changes.join(", ")
                        )
                    }
                },
            },
        };
        let _ = writeln!(
            out,
            "- `{}` **{}**{status}",
            resource.ty.as_str(),
            resource.name
        );
        for (key, value) in resource.settings.iter().take(8) {
            let value: String = value.chars().take(80).collect();
            let _ = writeln!(out, "  - {key}: `{value}`");
        }
        if let Some(service) = &resource.trusted_service {
            let _ = writeln!(out, "  - assumed by `{service}`");
        }
        for statement in &resource.statements {
            let _ = writeln!(
                out,
                "  - allows {} on {}",
                statement.actions.join(", "),
                statement.resources.join(", ")
            );
        }
    }
    if preview.steps.is_none() {
        out.push_str("\nValues such as `.arn` are known after deploy.");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::analysis;

    // 2026-11-27 07:00 UTC.
    const NOW: i64 = 1_795_762_800;

    fn hover_text(program: &str) -> String {
        let (a, file, offset) = analysis(program, &[]);
        match hover(&a, file, offset, NOW) {
            Some(h) => format!(
                "[{}]\n{}",
                &a.project.file(file).text[h.span.range()],
                h.markdown
            ),
            None => "(no hover)".to_string(),
        }
    }

    const THUMBS: &str = "/// Uploaded videos.\nbucket media {}\n\ntask ffmpeg {\n  image = \"public.ecr.aws/docker/library/alpine:3.20\"\n  memory = 512MB\n  reads media\n  writes media(\"*.jpg\")\n}\n\nschedule nightly {\n  cron = \"0 3 * * *\"\n}\n\nmedia.on_put(\".mp4\") -> task ffmpeg {\n  env = { KEY = event.key }\n}\nnightly.on_tick() -> task ffmpeg\n";

    #[test]
    fn hover_on_a_task_previews_its_aws_resources() {
        insta::assert_snapshot!(hover_text(&THUMBS.replacen(
            "task ffmpeg {",
            "task ff$0mpeg {",
            1
        )));
    }

    #[test]
    fn hover_on_a_reference_shows_the_docs() {
        insta::assert_snapshot!(hover_text(&THUMBS.replacen(
            "reads media",
            "reads me$0dia",
            1
        )));
    }

    #[test]
    fn hover_on_an_attribute_and_a_kind() {
        insta::assert_snapshot!(hover_text(&THUMBS.replacen(
            "memory = 512MB",
            "mem$0ory = 512MB",
            1
        )));
        insta::assert_snapshot!(hover_text(&THUMBS.replacen(
            "schedule nightly",
            "sche$0dule nightly",
            1
        )));
    }

    #[test]
    fn hover_on_runs_and_invokes_shows_the_variables_and_grants() {
        let program = "bucket media {}\ntask ffmpeg { image = \"x\" }\nfunction on_thumb {\n  runtime = \"nodejs24.x\"\n  handler = \"index.handler\"\n  code = \"./src\"\n}\nfunction start {\n  runtime = \"nodejs24.x\"\n  handler = \"index.handler\"\n  code = \"./src\"\n  runs ffmpeg\n  invokes on_thumb\n}\nmedia.on_put() -> function start\n";
        insta::assert_snapshot!(hover_text(&program.replacen(
            "runs ffmpeg",
            "ru$0ns ffmpeg",
            1
        )));
        insta::assert_snapshot!(hover_text(&program.replacen(
            "invokes on_thumb",
            "invo$0kes on_thumb",
            1
        )));
    }

    #[test]
    fn hover_on_a_secret_says_whether_it_is_set() {
        let program = "secret api_key\nsecret token\nsecret other\ntask t {\n  image = \"x\"\n  env = { K = api_key.value, T = token.value, O = other.value }\n}\n";
        let (a, file, _) = analysis(program, &[]);
        let statuses = crate::SecretStatuses::default();
        statuses
            .write()
            .expect("lock")
            .insert("api_key".into(), SecretStatus::Set);
        statuses
            .write()
            .expect("lock")
            .insert("token".into(), SecretStatus::NotSet);
        let a = a.with_secret_statuses(statuses);
        let text = &a.project.file(file).text;
        let mut shown = Vec::new();
        for needle in ["api_key.value", "token.value", "other.value"] {
            let at = text.find(needle).expect("reference") + 1;
            shown.push(hover(&a, file, at, NOW).expect("hover").markdown);
        }
        insta::assert_snapshot!(shown.join("\n\n=====\n\n"));
    }

    #[test]
    fn hover_on_a_cron_shows_the_next_runs() {
        insta::assert_snapshot!(hover_text(&THUMBS.replacen(
            "\"0 3 * * *\"",
            "\"0 3 $0* * *\"",
            1
        )));
    }

    #[test]
    fn hover_on_events_and_fields() {
        insta::assert_snapshot!(hover_text(&THUMBS.replacen("on_put", "on_p$0ut", 1)));
        insta::assert_snapshot!(hover_text(&THUMBS.replacen("event.key", "event.k$0ey", 1)));
    }

    #[test]
    fn no_hover_in_comments_or_past_the_end() {
        assert_eq!(
            hover_text(&THUMBS.replacen("Uploaded", "Upl$0oaded", 1)),
            "(no hover)"
        );
        let (a, file, _) = analysis(THUMBS, &[]);
        assert!(hover(&a, file, usize::MAX, NOW).is_none());
    }
}
