//! Pictures of a program for `infrac graph`: its declarations with their triggers and
//! accesses, or every planned AWS resource with its dependencies. Mermaid renders on GitHub and
//! in most Markdown viewers; dot is Graphviz's format.

use crate::graph::ResourceGraph;
use infrac_check::model::Model;
use infrac_syntax::ast::ResourceKind;
use std::collections::HashMap;
use std::fmt::Write as _;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GraphFormat {
    Mermaid,
    Dot,
}

/// An edge of the declarations picture.
struct Edge {
    from: String,
    to: String,
    label: String,
    dashed: bool,
}

fn declaration_edges(model: &Model) -> Vec<Edge> {
    let mut edges = Vec::new();
    for t in &model.triggers {
        let pattern = t.pattern_text.as_deref().unwrap_or("");
        edges.push(Edge {
            from: t.source.to_string(),
            to: t.target.to_string(),
            label: format!("{}({pattern})", t.event),
            dashed: false,
        });
    }
    for r in &model.resources {
        for access in &r.access {
            let mut label = access.mode.keyword().to_string();
            if let Some(p) = &access.pattern {
                let _ = write!(label, " {p}");
            }
            edges.push(Edge {
                from: r.name.to_string(),
                to: access.bucket.to_string(),
                label,
                dashed: true,
            });
        }
    }
    edges
}

/// The declarations as nodes (by kind: cylinder buckets, hexagon schedules, parallelogram or
/// component services), triggers as
/// solid arrows labelled with their event, `reads` and `writes` as dashed arrows to buckets.
pub fn render_declarations(model: &Model, format: GraphFormat) -> String {
    let edges = declaration_edges(model);
    let mut out = String::new();
    match format {
        GraphFormat::Mermaid => {
            out.push_str("flowchart LR\n");
            for r in &model.resources {
                let label = mermaid_text(&format!("{} {}", r.kind.keyword(), r.name));
                let (open, close) = match r.kind {
                    ResourceKind::Bucket => ("[(", ")]"),
                    ResourceKind::Function => ("([", "])"),
                    ResourceKind::Task => ("[[", "]]"),
                    ResourceKind::Schedule => ("{{", "}}"),
                    ResourceKind::Service => ("[/", "/]"),
                    ResourceKind::Secret => (">", "]"),
                };
                let _ = writeln!(out, "  {}{open}\"{label}\"{close}", mermaid_id(&r.name));
            }
            for e in &edges {
                let arrow = if e.dashed { "-.->" } else { "-->" };
                let _ = writeln!(
                    out,
                    "  {} {arrow}|\"{}\"| {}",
                    mermaid_id(&e.from),
                    mermaid_text(&e.label),
                    mermaid_id(&e.to)
                );
            }
        }
        GraphFormat::Dot => {
            out.push_str("digraph program {\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\", fontsize=10];\n");
            for r in &model.resources {
                let shape = match r.kind {
                    ResourceKind::Bucket => "cylinder",
                    ResourceKind::Function => "box, style=rounded",
                    ResourceKind::Task => "box3d",
                    ResourceKind::Schedule => "hexagon",
                    ResourceKind::Service => "component",
                    ResourceKind::Secret => "note",
                };
                let _ = writeln!(
                    out,
                    "  \"{}\" [label=\"{} {}\", shape={shape}];",
                    dot_text(&r.name),
                    r.kind.keyword(),
                    dot_text(&r.name)
                );
            }
            for e in &edges {
                let style = if e.dashed { ", style=dashed" } else { "" };
                let _ = writeln!(
                    out,
                    "  \"{}\" -> \"{}\" [label=\"{}\"{style}];",
                    dot_text(&e.from),
                    dot_text(&e.to),
                    dot_text(&e.label)
                );
            }
            out.push_str("}\n");
        }
    }
    out
}

/// Every planned resource, boxed by the declaration it comes from, with an arrow from each
/// resource to each one it depends on (as `terraform graph` draws them).
pub fn render_resources(graph: &ResourceGraph, format: GraphFormat) -> String {
    // Declarations in the order their first resource was made.
    let mut groups: Vec<(&str, &str, Vec<usize>)> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for (i, node) in graph.nodes().iter().enumerate() {
        let g = *index
            .entry(node.origin.declaration.as_str())
            .or_insert_with(|| {
                groups.push((
                    node.origin.declaration.as_str(),
                    node.origin.title.as_str(),
                    Vec::new(),
                ));
                groups.len() - 1
            });
        groups[g].2.push(i);
    }
    let node_index: HashMap<&str, usize> = graph
        .nodes()
        .iter()
        .enumerate()
        .map(|(i, n)| (n.id.as_str(), i))
        .collect();
    let mut out = String::new();
    match format {
        GraphFormat::Mermaid => {
            out.push_str("flowchart LR\n");
            for (g, (_, title, members)) in groups.iter().enumerate() {
                let _ = writeln!(out, "  subgraph g{g}[\"{}\"]", mermaid_text(title));
                for &i in members {
                    let node = &graph.nodes()[i];
                    let _ = writeln!(
                        out,
                        "    n{i}[\"{}<br/>{}\"]",
                        mermaid_text(node.ty.as_str()),
                        mermaid_text(&node.id)
                    );
                }
                out.push_str("  end\n");
            }
            for (i, node) in graph.nodes().iter().enumerate() {
                for dep in &node.depends_on {
                    if let Some(d) = node_index.get(dep.as_str()) {
                        let _ = writeln!(out, "  n{i} --> n{d}");
                    }
                }
            }
        }
        GraphFormat::Dot => {
            out.push_str("digraph resources {\n  rankdir=LR;\n  compound=true;\n  node [fontname=\"Helvetica\", shape=box];\n");
            for (g, (_, title, members)) in groups.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "  subgraph cluster_{g} {{\n    label=\"{}\";",
                    dot_text(title)
                );
                for &i in members {
                    let node = &graph.nodes()[i];
                    let _ = writeln!(
                        out,
                        "    \"{}\" [label=\"{}\\n{}\"];",
                        dot_text(&node.id),
                        dot_text(node.ty.as_str()),
                        dot_text(&node.id)
                    );
                }
                out.push_str("  }\n");
            }
            for node in graph.nodes() {
                for dep in &node.depends_on {
                    if node_index.contains_key(dep.as_str()) {
                        let _ = writeln!(
                            out,
                            "  \"{}\" -> \"{}\";",
                            dot_text(&node.id),
                            dot_text(dep)
                        );
                    }
                }
            }
            out.push_str("}\n");
        }
    }
    out
}

/// Mermaid node ids: a prefix keeps names like `end` (a Mermaid keyword) from breaking it.
fn mermaid_id(name: &str) -> String {
    format!("d_{name}")
}

/// Text inside a quoted Mermaid label, where `"` ends the label and `<`/`>` are HTML.
fn mermaid_text(text: &str) -> String {
    text.replace('&', "#amp;")
        .replace('"', "#quot;")
        .replace('<', "#lt;")
        .replace('>', "#gt;")
}

fn dot_text(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_escaped() {
        assert_eq!(mermaid_text(r#"a("b") -> c"#), "a(#quot;b#quot;) -#gt; c");
        assert_eq!(dot_text(r#"a"\"#), r#"a\"\\"#);
    }
}
