//! What an editor offers beside the text: quick fixes, code lenses (how many AWS resources a
//! declaration creates), links on `code` and `build` paths, formatting, and inlay hints (the
//! defaults that apply, the EventBridge form of a schedule).

use crate::Analysis;
use infrac_check::cron::{rate_expression, Cron};
use infrac_check::model::Value;
use infrac_check::schema::{schema, Rule};
use infrac_syntax::ast::{ExprKind, Item, Member};
use infrac_syntax::{Code, FileId, Span, TextEdit};
use std::path::PathBuf;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeAction {
    pub title: String,
    pub edits: Vec<TextEdit>,
    /// The diagnostic it fixes: its code and span.
    pub fixes: Option<(Code, FileId, Span)>,
    /// The one fix an editor may apply without asking.
    pub preferred: bool,
}

/// Quick fixes for the diagnostics that touch `range` in `file`.
pub fn code_actions(analysis: &Analysis, file: FileId, range: Span) -> Vec<CodeAction> {
    let mut out = Vec::new();
    for d in analysis.diagnostics(file) {
        let touches = d.span.start() <= range.end() && range.start() <= d.span.end();
        if !touches {
            continue;
        }
        let single = d.fixes.len() == 1;
        for fix in &d.fixes {
            out.push(CodeAction {
                title: fix.title.clone(),
                edits: fix.edits.clone(),
                fixes: Some((d.code, d.file, d.span)),
                preferred: single,
            });
        }
    }
    out
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeLens {
    pub span: Span,
    pub title: String,
}

/// Above each declaration and trigger: how many AWS resources it creates; above a deployed
/// service, its URL too.
pub fn code_lenses(analysis: &Analysis, file: FileId) -> Vec<CodeLens> {
    let Some((_, syntax)) = analysis.source(file) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in &syntax.items {
        let (declaration, span) = match item {
            Item::Resource(r) if r.kind.kind.is_some() => (r.name.text.to_string(), r.name.span),
            Item::Trigger(t) => {
                let id = analysis
                    .checked
                    .model
                    .triggers
                    .iter()
                    .find(|m| m.file == file && m.span == t.span)
                    .map(infrac_check::model::TriggerModel::id);
                let Some(id) = id else { continue };
                (id, t.source.span.cover(t.event.span))
            }
            _ => continue,
        };
        let count = analysis.preview(&declaration).resources.len();
        if count == 0 {
            continue;
        }
        let title = format!("{count} AWS resource{}", if count == 1 { "" } else { "s" });
        out.push(CodeLens { span, title });
        if let Item::Resource(r) = item {
            if r.kind.kind == Some(infrac_syntax::ast::ResourceKind::Service) {
                if let Some(url) = analysis.service_url(&declaration) {
                    out.push(CodeLens { span, title: url });
                }
            }
        }
    }
    out
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocumentLink {
    /// The path's text inside its quotes.
    pub span: Span,
    pub target: PathBuf,
}

/// `code` and `build` paths that exist, linked to what they name.
pub fn document_links(analysis: &Analysis, file: FileId) -> Vec<DocumentLink> {
    let Some((_, syntax)) = analysis.source(file) else {
        return Vec::new();
    };
    let dir = analysis.project.dir_of(file);
    let mut out = Vec::new();
    for item in &syntax.items {
        let Item::Resource(r) = item else { continue };
        let (Some(kind), Some(block)) = (r.kind.kind, &r.block) else {
            continue;
        };
        for member in &block.members {
            let Member::Attr(a) = member else { continue };
            let is_path = schema(kind)
                .attr(&a.name.text)
                .is_some_and(|s| matches!(s.rule, Rule::ExistingPath | Rule::DockerContext));
            let ExprKind::Str(lit) = &a.value.kind else {
                continue;
            };
            let (true, Some(path)) = (is_path, lit.as_plain()) else {
                continue;
            };
            let target = dir.join(&path);
            if analysis.fs().is_dir(&target) || analysis.fs().is_file(&target) {
                out.push(DocumentLink {
                    span: lit.inner_span(),
                    target,
                });
            }
        }
    }
    out
}

/// The whole file formatted, or `None` when it is already formatted or has syntax errors.
pub fn format_file(analysis: &Analysis, file: FileId) -> Option<String> {
    let source = analysis.project.files.get(file.0 as usize)?;
    source.syntax()?;
    let formatted = infrac_fmt::format_source(&source.text).ok()?;
    (formatted != source.text).then_some(formatted)
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InlayHint {
    pub offset: usize,
    pub label: String,
}

/// After a declaration's name: the defaults it gets for what it does not set. After a
/// schedule: the EventBridge expression it becomes.
pub fn inlay_hints(analysis: &Analysis, file: FileId) -> Vec<InlayHint> {
    let Some((_, syntax)) = analysis.source(file) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in &syntax.items {
        let Item::Resource(r) = item else { continue };
        let Some(kind) = r.kind.kind else { continue };
        let kind_schema = schema(kind);
        let members = r.block.as_ref().map_or(&[][..], |b| b.members.as_slice());
        let set = |name: &str| {
            members
                .iter()
                .any(|m| matches!(m, Member::Attr(a) if a.name.text == name))
        };
        let defaults: Vec<String> = kind_schema
            .attrs
            .iter()
            .filter(|a| !set(a.name))
            .filter_map(|a| {
                let default = a.default?;
                let value = Value::from_default(default);
                // Empty maps say nothing worth a hint.
                (!matches!(&value, Value::Map(m) if m.is_empty()))
                    .then(|| format!("{} = {}", a.name, value.source_text()))
            })
            .collect();
        if !defaults.is_empty() {
            out.push(InlayHint {
                offset: r.name.span.end(),
                label: format!(" {}", defaults.join(", ")),
            });
        }
        for member in members {
            let Member::Attr(a) = member else { continue };
            let rule = kind_schema.attr(&a.name.text).map(|s| s.rule);
            let aws = match (&a.value.kind, rule) {
                (ExprKind::Str(lit), Some(Rule::Cron)) => lit
                    .as_plain()
                    .and_then(|c| Cron::parse(&c).ok())
                    .map(|c| c.to_aws()),
                (ExprKind::Duration { value, unit }, Some(Rule::Every)) => value
                    .checked_mul(unit.seconds())
                    .and_then(|s| rate_expression(s).ok()),
                _ => None,
            };
            if let Some(aws) = aws {
                out.push(InlayHint {
                    offset: a.value.span.end(),
                    label: format!(" → {aws}"),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::analysis;

    #[test]
    fn quick_fixes_for_a_misspelt_attribute_and_a_missing_unit() {
        let (a, file, _) = analysis("function f {\n  runtime = \"nodejs24.x\"\n  handler = \"index.handler\"\n  code = \"./src\"\n  memroy = 512\n  timeout = 30\n}\n", &[]);
        let text = &a.project.file(file).text;
        let all = code_actions(&a, file, Span::new(0, text.len()));
        let titles: Vec<&str> = all.iter().map(|c| c.title.as_str()).collect();
        assert!(titles.contains(&"Replace with `memory`"), "{titles:?}");
        assert!(titles.contains(&"Change to `30s`"), "{titles:?}");
        let at_timeout = text.find("30\n").expect("timeout");
        let here = code_actions(&a, file, Span::new(at_timeout, at_timeout));
        assert_eq!(here.len(), 1);
        assert_eq!(here[0].edits[0].replacement, "30s");
        assert!(here[0].preferred);
    }

    #[test]
    fn missing_required_attribute_is_added_in_the_block() {
        let (a, file, _) = analysis(
            "function f {\n  runtime = \"nodejs24.x\"\n  code = \"./src\"\n}\n",
            &[],
        );
        let text = a.project.file(file).text.clone();
        let actions = code_actions(&a, file, Span::new(9, 10));
        let add = actions
            .iter()
            .find(|c| c.title.contains("handler"))
            .expect("fix");
        let edit = &add.edits[0];
        let mut fixed = text.clone();
        fixed.replace_range(edit.span.range(), &edit.replacement);
        assert_eq!(fixed, "function f {\n  runtime = \"nodejs24.x\"\n  code = \"./src\"\n  handler = \"index.handler\"\n}\n");
    }

    #[test]
    fn a_secret_value_in_a_function_becomes_reads_and_the_name() {
        let program = "bucket media {}\nsecret api_key\nfunction f {\n  runtime = \"nodejs24.x\"\n  handler = \"index.handler\"\n  code = \"./src\"\n  env = { API_KEY = api_key.value }\n}\nmedia.on_put() -> function f\n";
        let (a, file, _) = analysis(program, &[]);
        let text = a.project.file(file).text.clone();
        let at = text.find("api_key.value").expect("value");
        let actions = code_actions(&a, file, Span::new(at, at));
        let fix = actions
            .iter()
            .find(|c| c.title == "Pass `api_key.name` and add `reads api_key`")
            .expect("the E0210 fix");
        let mut edits = fix.edits.clone();
        edits.sort_by_key(|e| std::cmp::Reverse(e.span.start()));
        let mut fixed = text;
        for edit in edits {
            fixed.replace_range(edit.span.range(), &edit.replacement);
        }
        assert_eq!(fixed, "bucket media {}\nsecret api_key\nfunction f {\n  runtime = \"nodejs24.x\"\n  handler = \"index.handler\"\n  code = \"./src\"\n  env = { API_KEY = api_key.name }\n  reads api_key\n}\nmedia.on_put() -> function f\n");
        // The fixed program checks clean.
        let (b, file, _) = analysis(&fixed, &[]);
        let errors: Vec<_> = b
            .checked
            .diagnostics
            .iter()
            .filter(|d| d.file == file && d.is_error())
            .collect();
        assert!(errors.is_empty(), "{errors:?}");
    }

    #[test]
    fn lenses_count_the_aws_resources() {
        let (a, file, _) = analysis("bucket media {}\ntask t {\n  image = \"x\"\n  reads media\n}\nmedia.on_put(\".mp4\") -> task t\n", &[]);
        let lenses: Vec<String> = code_lenses(&a, file)
            .iter()
            .map(|l| format!("{} {}", &a.project.file(file).text[l.span.range()], l.title))
            .collect();
        insta::assert_snapshot!(lenses.join("\n"));
    }

    #[test]
    fn hints_show_defaults_and_schedules() {
        let (a, file, _) = analysis("function f {\n  runtime = \"nodejs24.x\"\n  memory = 1GB\n}\nschedule s { cron = \"0 3 * * *\" }\nschedule r { every = 1h }\n", &[]);
        let text = &a.project.file(file).text;
        let hints: Vec<String> = inlay_hints(&a, file)
            .iter()
            .map(|h| {
                format!(
                    "{}|{}",
                    &text[..h.offset].lines().last().unwrap_or(""),
                    h.label
                )
            })
            .collect();
        assert_eq!(
            hints,
            vec![
                "function f| timeout = 3s, arch = \"x86_64\"",
                "schedule s { cron = \"0 3 * * *\"| → cron(0 3 * * ? *)",
                "schedule r { every = 1h| → rate(1 hour)",
            ]
        );
    }

    #[test]
    fn links_on_existing_paths_only() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/thumbnailer");
        let text = std::fs::read_to_string(format!("{dir}/main.infra")).expect("example");
        let project = infrac_check::project::build_project(
            PathBuf::from(dir),
            vec![(PathBuf::from(dir).join("main.infra"), text.into_bytes())],
            None,
        );
        let a = Analysis::new(project, std::sync::Arc::new(infrac_check::DiskFileSystem));
        let links: Vec<String> = document_links(&a, FileId(0))
            .iter()
            .map(|l| {
                format!(
                    "{} -> {}",
                    &a.project.file(FileId(0)).text[l.span.range()],
                    l.target
                        .file_name()
                        .map(|n| n.to_string_lossy().to_string())
                        .unwrap_or_default()
                )
            })
            .collect();
        assert_eq!(
            links,
            vec![
                "./ffmpeg -> ffmpeg",
                "./on-new-video -> on-new-video",
                "./on-thumbnail -> on-thumbnail"
            ]
        );
    }

    #[test]
    fn formatting_returns_the_new_text_only_when_it_changes() {
        let (a, file, _) = analysis("bucket  b {versioning=true}\n", &[]);
        assert_eq!(
            format_file(&a, file).as_deref(),
            Some("bucket b {\n  versioning = true\n}\n")
        );
        let (a, file, _) = analysis("bucket b {}\n", &[]);
        assert_eq!(format_file(&a, file), None);
        let (a, file, _) = analysis("bucket b {\n", &[]);
        assert_eq!(format_file(&a, file), None);
    }
}

#[cfg(test)]
mod loop_fix_tests {
    use super::*;
    use crate::fixture::analysis;

    fn apply(text: &str, edits: &[TextEdit]) -> String {
        let mut edits = edits.to_vec();
        edits.sort_by_key(|e| std::cmp::Reverse(e.span.start()));
        let mut out = text.to_string();
        for e in edits {
            out.replace_range(e.span.range(), &e.replacement);
        }
        out
    }

    #[test]
    fn a_trigger_loop_is_fixed_by_narrowing_the_writes() {
        let (a, file, _) = analysis("bucket media {}\ntask t {\n  image = \"x\"\n  writes media\n}\nmedia.on_put(\"uploads/\") -> task t\n", &[]);
        let text = a.project.file(file).text.clone();
        let fix = code_actions(&a, file, Span::new(0, text.len()))
            .into_iter()
            .find(|c| c.fixes.is_some_and(|f| f.0 == Code::E0306))
            .expect("fix");
        assert_eq!(fix.title, "Narrow to `writes media(\"out/*\")`");
        assert!(apply(&text, &fix.edits).contains("  writes media(\"out/*\")\n"));
    }

    #[test]
    fn a_suffix_only_trigger_is_narrowed_too() {
        let (a, file, _) = analysis("bucket media {}\ntask t {\n  image = \"x\"\n  writes media(\"*.jpg\")\n}\nmedia.on_put(\".jpg\") -> task t\n", &[]);
        let text = a.project.file(file).text.clone();
        let fix = code_actions(&a, file, Span::new(0, text.len()))
            .into_iter()
            .find(|c| c.fixes.is_some_and(|f| f.0 == Code::E0306))
            .expect("fix");
        let fixed = apply(&text, &fix.edits);
        assert!(
            fixed.contains("media.on_put(\"uploads/*.jpg\") -> task t"),
            "{fixed}"
        );
        assert!(fixed.contains("writes media(\"out/*.jpg\")"), "{fixed}");
        // And the fixed program checks clean of loops.
        let (b, file_b, _) = analysis(&fixed, &[]);
        assert!(b.diagnostics(file_b).all(|d| d.code != Code::E0306));
    }
}
