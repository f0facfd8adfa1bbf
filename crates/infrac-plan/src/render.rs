//! The two views of a plan: text for people (grouped under the declaration that caused each
//! step, like Terraform and Pulumi show it) and one JSON object for tools, in the format
//! `deploy.md` fixes.

use crate::diff::{Action, Plan, PlanStep};
use crate::graph::{as_reference, is_deferred, Origin, Reference};
use serde::Serialize;
use serde_json::Value;
use std::collections::HashMap;
use std::fmt::Write as _;

const RESET: &str = "\x1b[0m";
const BOLD: &str = "\x1b[1m";
const DIM: &str = "\x1b[2m";

fn action_colour(action: Action) -> &'static str {
    match action {
        Action::Create => "\x1b[32m",
        Action::Update => "\x1b[33m",
        Action::Replace => "\x1b[35m",
        Action::Delete => "\x1b[31m",
    }
}

struct Group<'p> {
    /// Where the declaration is; `None` once it has left the program.
    origin: Option<&'p Origin>,
    title: String,
    steps: Vec<&'p PlanStep>,
}

/// The plan as a person reads it. `color` adds ANSI colours (only when asked: the caller
/// knows whether it writes to a terminal).
pub fn render_human(plan: &Plan, color: bool) -> String {
    let paint = |code: &str, text: &str| {
        if color {
            format!("{code}{text}{RESET}")
        } else {
            text.to_string()
        }
    };
    let mut out = String::new();
    if plan.is_empty() {
        let _ = writeln!(
            out,
            "No changes: stack {} of {} matches the program.",
            plan.stack, plan.project
        );
        return out;
    }
    let _ = writeln!(
        out,
        "{}\n",
        paint(
            BOLD,
            &format!("Plan for {}, stack {}:", plan.project, plan.stack)
        )
    );

    let declared: HashMap<&str, &Origin> = plan
        .declarations
        .iter()
        .map(|o| (o.declaration.as_str(), o.as_ref()))
        .collect();
    let mut groups: Vec<Group> = Vec::new();
    let mut by_name: HashMap<&str, usize> = HashMap::new();
    for step in &plan.steps {
        let i = *by_name.entry(step.declaration.as_str()).or_insert_with(|| {
            let origin = step
                .origin
                .as_deref()
                .or_else(|| declared.get(step.declaration.as_str()).copied());
            let title = match origin {
                Some(o) => o.title.clone(),
                None => format!("{} (no longer in the program)", step.declaration),
            };
            groups.push(Group {
                origin,
                title,
                steps: Vec::new(),
            });
            groups.len() - 1
        });
        groups[i].steps.push(step);
    }
    // Declarations in source order; those gone from the program last.
    groups.sort_by(|a, b| match (a.origin, b.origin) {
        (Some(x), Some(y)) => (&x.file, x.span.start()).cmp(&(&y.file, y.span.start())),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.title.cmp(&b.title),
    });

    let type_width = plan
        .steps
        .iter()
        .map(|s| s.ty.as_str().len())
        .max()
        .unwrap_or(0);
    let id_width = plan.steps.iter().map(|s| s.id.len()).max().unwrap_or(0);
    for group in &groups {
        let location = group
            .origin
            .map(|o| format!("  {}", paint(DIM, &format!("{}:{}", o.file, o.line))))
            .unwrap_or_default();
        let _ = writeln!(out, "{}{location}", paint(BOLD, &group.title));
        for step in &group.steps {
            let symbol = paint(
                action_colour(step.action),
                &format!("{:<3}", step.action.symbol()),
            );
            let line = format!(
                "  {symbol} {:<type_width$}  {:<id_width$}  {}",
                step.ty.as_str(),
                step.id,
                step.name
            );
            let _ = writeln!(out, "{}", line.trim_end());
            if let Some(reason) = &step.reason {
                let _ = writeln!(out, "        {}", paint(DIM, &format!("({reason})")));
            }
            for change in &step.changes {
                let forces = if change.forces_replace && step.action == Action::Replace {
                    paint(action_colour(Action::Replace), " (forces replacement)")
                } else {
                    String::new()
                };
                let _ = writeln!(
                    out,
                    "        {}: {} -> {}{forces}",
                    change.path,
                    show_value(&change.old),
                    show_value(&change.new)
                );
            }
        }
        out.push('\n');
    }
    let s = &plan.summary;
    let _ = writeln!(
        out,
        "{}",
        paint(
            BOLD,
            &format!(
                "Plan: {} to create, {} to update, {} to replace, {} to delete.",
                s.create, s.update, s.replace, s.delete
            )
        )
    );
    out
}

/// A value in one line: JSON, with what is known only at apply time said in words.
fn show_value(value: &Value) -> String {
    match value {
        Value::Null => "(none)".to_string(),
        v if is_deferred(v) => match as_reference(v) {
            Some(Reference::Output { node, attr }) => {
                format!("(known after apply: {node}.{attr})")
            }
            Some(Reference::Lookup(name)) => format!("(looked up at deploy: {name})"),
            None => "(known after apply)".to_string(),
        },
        v => v.to_string(),
    }
}

#[derive(Serialize)]
struct JsonPlan<'p> {
    project: &'p str,
    stack: &'p str,
    steps: Vec<JsonStep<'p>>,
    summary: JsonSummary,
}

#[derive(Serialize)]
struct JsonStep<'p> {
    action: &'static str,
    id: &'p str,
    #[serde(rename = "type")]
    ty: &'static str,
    name: &'p str,
    depends_on: &'p [String],
    origin: Option<JsonOrigin<'p>>,
    properties: &'p Value,
    changes: Vec<JsonChange<'p>>,
}

#[derive(Serialize)]
struct JsonOrigin<'p> {
    file: &'p str,
    line: usize,
}

#[derive(Serialize)]
struct JsonChange<'p> {
    path: &'p str,
    old: &'p Value,
    new: &'p Value,
}

#[derive(Serialize)]
struct JsonSummary {
    create: usize,
    update: usize,
    replace: usize,
    delete: usize,
}

/// The plan as one JSON object (`deploy.md`): `pretty` for people and snapshots, compact on
/// one line for tools.
pub fn render_json(plan: &Plan, pretty: bool) -> String {
    let view = JsonPlan {
        project: &plan.project,
        stack: &plan.stack,
        steps: plan
            .steps
            .iter()
            .map(|s| JsonStep {
                action: s.action.as_str(),
                id: &s.id,
                ty: s.ty.as_str(),
                name: &s.name,
                depends_on: &s.depends_on,
                origin: s.origin.as_ref().map(|o| JsonOrigin {
                    file: &o.file,
                    line: o.line,
                }),
                properties: s.properties.as_ref(),
                changes: s
                    .changes
                    .iter()
                    .map(|c| JsonChange {
                        path: &c.path,
                        old: &c.old,
                        new: &c.new,
                    })
                    .collect(),
            })
            .collect(),
        summary: JsonSummary {
            create: plan.summary.create,
            update: plan.summary.update,
            replace: plan.summary.replace,
            delete: plan.summary.delete,
        },
    };
    let mut text = if pretty {
        serde_json::to_string_pretty(&view)
    } else {
        serde_json::to_string(&view)
    }
    .unwrap_or_default();
    text.push('\n');
    text
}
