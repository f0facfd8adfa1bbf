//! The parts of `docs/reference.md` that come from the code: each kind's attributes, values,
//! events and event fields (from [`crate::schema`]), Lambda's runtimes with AWS's dates, the
//! Fargate cpu/memory table, and every diagnostic code with its explanation (from
//! [`crate::explain`]). The document marks each generated part with
//! `<!-- generated: NAME -->` ... `<!-- end generated: NAME -->`; [`regenerate`] rewrites what
//! is between the marks and leaves the prose alone. A test fails when the committed file is
//! stale (`UPDATE_EXPECT=1 cargo test -p infrac-check --test reference` rewrites it), the way
//! ruff's rule documentation comes from its rule registry.

use crate::explain;
use crate::model::{format_duration, format_size};
use crate::schema::{
    fargate_memory, schema, AttrSchema, Default, KindSchema, Requirement, Rule, FARGATE_CPU,
    RUNTIMES,
};
use infrac_syntax::ast::ResourceKind;
use infrac_syntax::Code;

/// The generated parts, by name.
pub fn sections() -> Vec<(&'static str, String)> {
    vec![
        ("kinds", kinds()),
        ("runtimes", runtimes()),
        ("fargate", fargate()),
        ("code-list", code_list()),
        ("codes", codes()),
    ]
}

/// `doc` with every generated part replaced by its current text. Fails when a part's marks
/// are missing or out of order, naming it.
pub fn regenerate(doc: &str) -> Result<String, String> {
    let mut out = doc.to_string();
    for (name, text) in sections() {
        let start = format!("<!-- generated: {name} -->\n");
        let end = format!("<!-- end generated: {name} -->");
        let Some(from) = out.find(&start).map(|i| i + start.len()) else {
            return Err(format!("docs/reference.md has no `{}` mark", start.trim()));
        };
        let Some(to) = out[from..].find(&end).map(|i| i + from) else {
            return Err(format!(
                "docs/reference.md has no `{end}` mark after its start"
            ));
        };
        out.replace_range(from..to, &text);
    }
    Ok(out)
}

fn kinds() -> String {
    let mut out = String::new();
    for kind in ResourceKind::ALL {
        out.push_str(&kind_section(schema(kind)));
    }
    out
}

fn kind_section(k: &KindSchema) -> String {
    let name = k.kind.keyword();
    let mut out = format!("### `{name}` ({})\n\n{}\n\n", k.aws, k.doc);
    if k.attrs.is_empty() {
        out.push_str(&format!(
            "A `{name}` has no attributes: it is declared as `{name} NAME`, with a `///` comment \
             above it if you like.\n"
        ));
    } else {
        out.push_str("| attribute | type | default | rule |\n|---|---|---|---|\n");
    }
    for a in k.attrs {
        out.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            a.name,
            a.ty.name(),
            default_text(a),
            rule_text(k, a)
        ));
    }
    out.push('\n');
    for a in k.attrs {
        out.push_str(&format!("- `{}`: {}\n", a.name, a.doc));
    }
    for (a, b, hint) in k.exactly_one_of {
        out.push_str(&format!(
            "\nExactly one of `{a}` and `{b}` is set (E0205): {hint}.\n"
        ));
    }
    out.push_str("\nValues (`NAME.value`, strings):\n\n");
    for v in k.values {
        out.push_str(&format!("- `.{}`: {}\n", v.name, v.doc));
    }
    out.push('\n');
    if k.kind == ResourceKind::Service {
        out.push_str(
            "Events: none. A `service` keeps running on its own: it is neither a trigger's source nor its target (E0104).\n\n",
        );
    } else if k.events.is_empty() && matches!(k.kind, ResourceKind::Function | ResourceKind::Task) {
        out.push_str("Events: none (a `");
        out.push_str(name);
        out.push_str("` is a trigger's target, not its source).\n\n");
    } else if k.events.is_empty() {
        out.push_str("Events: none.\n\n");
    } else {
        out.push_str("Events:\n\n");
        for e in k.events {
            let call = if e.takes_pattern {
                format!("{}(pattern?)", e.name)
            } else {
                format!("{}()", e.name)
            };
            out.push_str(&format!("- `{call}`: {} Its fields:\n", e.doc));
            for f in e.fields {
                out.push_str(&format!(
                    "  - `event.{}` ({}): {}\n",
                    f.name,
                    f.ty.name(),
                    f.doc
                ));
            }
        }
        out.push('\n');
    }
    out
}

fn default_text(a: &AttrSchema) -> String {
    match (a.requirement, a.default) {
        (Requirement::Required, _) => "required".to_string(),
        (Requirement::RequiredUnlessProvidedRuntime, _) => {
            "required, except with a `provided.*` runtime".to_string()
        }
        (Requirement::Optional, Some(Default::EmptyMap)) => "`{}`".to_string(),
        (Requirement::Optional, Some(d)) => format!("`{}`", d.source_text()),
        (Requirement::Optional, None) => "none".to_string(),
    }
}

fn rule_text(k: &KindSchema, a: &AttrSchema) -> String {
    match a.rule {
        // A task's memory is checked against its cpu (E0206), not on its own.
        Rule::None
            if matches!(k.kind, ResourceKind::Task | ResourceKind::Service)
                && a.name == "memory" =>
        {
            "a combination with `cpu` that Fargate runs (see the Fargate table)".to_string()
        }
        Rule::None => String::new(),
        Rule::SizeRange { min, max } => format!("{} to {}", format_size(min), format_size(max)),
        Rule::DurationRange { min, max } => {
            format!("{} to {}", format_duration(min), format_duration(max))
        }
        Rule::WholeDays { min } => format!("whole days, at least {min}d"),
        Rule::OneOfStr(values) => values
            .iter()
            .map(|v| format!("`\"{v}\"`"))
            .collect::<Vec<_>>()
            .join(" or "),
        Rule::IntRange { min, max } => format!("{min} to {max}"),
        Rule::HttpPath(limit) => format!("starts with `/`, at most {limit} characters"),
        Rule::OneOfInt(values) => values
            .iter()
            .map(|v| format!("`{v}`"))
            .collect::<Vec<_>>()
            .join(", "),
        Rule::Runtime => "a Lambda runtime AWS still creates functions with (see Runtimes)".into(),
        Rule::Cron => "5-field Unix cron, UTC (see Schedules)".to_string(),
        Rule::Every => "whole minutes, at least 1m".to_string(),
        Rule::EnvBytes(bytes) => format!("keys and values at most {}KB in all", bytes / 1024),
        Rule::ExistingPath => "a file or folder that exists, relative to this file".to_string(),
        Rule::DockerContext => "a folder holding a `Dockerfile`, relative to this file".into(),
    }
}

fn runtimes() -> String {
    let mut out = String::from(
        "| runtime | AWS name | deprecated (W0002 from) | block function create (E0204 from) | block function update |\n|---|---|---|---|---|\n",
    );
    for r in RUNTIMES {
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} |\n",
            r.name, r.label, r.deprecated, r.block_create, r.block_update
        ));
    }
    out
}

fn fargate() -> String {
    let mut out = String::from("| cpu | vCPU | memory |\n|---|---|---|\n");
    for &cpu in FARGATE_CPU {
        let memory = fargate_memory(cpu);
        let text = match memory.as_slice() {
            [first, second, .., last] if memory.len() > 3 => format!(
                "{} to {} in steps of {}",
                format_size(*first),
                format_size(*last),
                format_size(second - first)
            ),
            _ => memory
                .iter()
                .map(|&m| format_size(m))
                .collect::<Vec<_>>()
                .join(", "),
        };
        out.push_str(&format!("| `{cpu}` | {} | {text} |\n", vcpu(cpu)));
    }
    out
}

fn vcpu(cpu: i64) -> String {
    match cpu {
        256 => "0.25".to_string(),
        512 => "0.5".to_string(),
        _ => (cpu / 1024).to_string(),
    }
}

fn code_list() -> String {
    let mut out = String::from("| code | severity | when |\n|---|---|---|\n");
    for &code in Code::ALL {
        out.push_str(&format!(
            "| [{code}](#{}) | {} | {} |\n",
            code.as_str().to_ascii_lowercase(),
            code.severity().as_str(),
            code.summary()
        ));
    }
    out
}

fn codes() -> String {
    let mut out = String::new();
    for e in explain::all() {
        out.push_str(&e.to_markdown());
        out.push('\n');
    }
    out
}
