//! The resource graph: one [`Node`] per AWS resource a program needs, with its desired inputs
//! as canonical JSON, the nodes it depends on, and the declaration it came from.
//!
//! Values that exist only after another node is created (an ARN, a repository URL) are kept as
//! explicit reference values and resolved by the deploy engine at apply time:
//! - `{"$ref": "ffmpeg/task-role", "attr": "arn"}`: an output of another node;
//! - `{"$lookup": "aws.region"}`: a fact about the account or its defaults, found at deploy;
//! - `{"$join": ["arn:...", {"$ref": ...}, ":*"]}`: a string made of text and references.

pub use crate::resource_type::{top_level_key, Descriptor, ReplaceRule, ResourceType};
use infrac_syntax::{FileId, Span};
use serde_json::{Map, Value};
use std::collections::BinaryHeap;
use std::sync::{Arc, OnceLock};

/// A `HashMap` with the Fx hash (as in rustc): much faster than the default SipHash for the
/// short ids the graph and the diff look up by the thousand. Ids come from the user's own
/// program, so SipHash's protection against crafted collisions buys nothing here.
pub type FastMap<K, V> = rustc_hash::FxHashMap<K, V>;

/// Where a node came from: the declaration (a resource or a trigger) that made it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    pub file_id: FileId,
    /// The file, relative to the project folder, with `/` separators (`main.infra`).
    pub file: String,
    /// 1-based line of the declaration's start.
    pub line: usize,
    /// The whole declaration.
    pub span: Span,
    /// The declaration's name (`media`), or a trigger's id (`media.on_put(.mp4)->ffmpeg`):
    /// what the plan groups by and what the language server asks about.
    pub declaration: String,
    /// How a person reads the declaration: `bucket media`, `media.on_put(".mp4") -> task ffmpeg`.
    pub title: String,
}

/// One AWS resource.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// Stable logical address: `media`, `ffmpeg/task-role`, `trigger/…/rule`.
    pub id: String,
    pub ty: ResourceType,
    /// The physical name (for resources without one, what identifies them in AWS).
    pub name: String,
    /// Desired inputs: a JSON object, keys sorted at every level. Shared with the plan steps
    /// made from it (a plan of a large program would otherwise copy every input).
    pub properties: Arc<Value>,
    /// Ids of the nodes that must exist first: every node referenced in `properties`, and the
    /// ordering needs AWS has beyond references. Sorted, without duplicates.
    pub depends_on: Vec<String>,
    /// Shared by every node of one declaration.
    pub origin: Arc<Origin>,
}

impl Node {
    /// A node whose `depends_on` is `extra` plus every node its properties refer to.
    pub fn new(
        id: impl Into<String>,
        ty: ResourceType,
        name: impl Into<String>,
        properties: Value,
        extra_depends_on: &[&str],
        origin: &Arc<Origin>,
    ) -> Node {
        let id = id.into();
        let mut properties = properties;
        canonicalize(&mut properties);
        let mut depends_on: Vec<String> =
            extra_depends_on.iter().map(|d| (*d).to_string()).collect();
        for_each_reference(&properties, &mut |r| {
            if let Reference::Output { node, .. } = r {
                depends_on.push(node.to_string());
            }
        });
        depends_on.sort();
        depends_on.dedup();
        depends_on.retain(|d| *d != id);
        Node {
            id,
            ty,
            name: name.into(),
            properties: Arc::new(properties),
            depends_on,
            origin: Arc::clone(origin),
        }
    }
}

impl Node {
    /// A node of `P`'s type with `props` as its inputs: the one way lowering makes nodes, so
    /// a node's type and the shape of its properties cannot disagree.
    pub fn typed<P: crate::props::ResourceProps>(
        id: impl Into<String>,
        name: impl Into<String>,
        props: &P,
        extra_depends_on: &[&str],
        origin: &Arc<Origin>,
    ) -> Node {
        Node::new(id, P::TYPE, name, props.to_json(), extra_depends_on, origin)
    }
}

/// A reference value found inside properties.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reference<'a> {
    Output { node: &'a str, attr: &'a str },
    Lookup(&'a str),
}

/// `{"$ref": node, "attr": attr}`.
pub fn output_ref(node: &str, attr: &str) -> Value {
    let mut map = Map::new();
    map.insert("$ref".into(), Value::String(node.into()));
    map.insert("attr".into(), Value::String(attr.into()));
    Value::Object(map)
}

/// `{"$lookup": name}`.
pub fn lookup(name: &str) -> Value {
    let mut map = Map::new();
    map.insert("$lookup".into(), Value::String(name.into()));
    Value::Object(map)
}

/// A string of text and references: adjacent texts are merged, and a join of one part is that
/// part itself (so a plain string stays a plain string).
pub fn join(parts: impl IntoIterator<Item = Value>) -> Value {
    let mut out: Vec<Value> = Vec::new();
    for part in parts {
        match (out.last_mut(), part) {
            (_, Value::String(s)) if s.is_empty() => {}
            (Some(Value::String(prev)), Value::String(s)) => prev.push_str(&s),
            (_, Value::Object(map)) if map.contains_key("$join") => {
                if let Some(Value::Array(inner)) = map.get("$join") {
                    for p in inner.clone() {
                        match (out.last_mut(), p) {
                            (Some(Value::String(prev)), Value::String(s)) => prev.push_str(&s),
                            (_, p) => out.push(p),
                        }
                    }
                }
            }
            (_, part) => out.push(part),
        }
    }
    match out.len() {
        0 => Value::String(String::new()),
        1 => out.pop().unwrap_or_default(),
        _ => {
            let mut map = Map::new();
            map.insert("$join".into(), Value::Array(out));
            Value::Object(map)
        }
    }
}

/// Whether a value is a reference, a lookup or a join: something known only at apply time.
pub fn is_deferred(value: &Value) -> bool {
    match value {
        Value::Object(map) => {
            map.contains_key("$ref") || map.contains_key("$lookup") || map.contains_key("$join")
        }
        _ => false,
    }
}

/// Reads a single reference or lookup object.
pub fn as_reference(value: &Value) -> Option<Reference<'_>> {
    let Value::Object(map) = value else {
        return None;
    };
    if let (Some(Value::String(node)), Some(Value::String(attr))) =
        (map.get("$ref"), map.get("attr"))
    {
        return Some(Reference::Output { node, attr });
    }
    if let Some(Value::String(name)) = map.get("$lookup") {
        return Some(Reference::Lookup(name));
    }
    None
}

/// Calls `f` on every reference and lookup inside `value`, including those inside joins.
pub fn for_each_reference<'a>(value: &'a Value, f: &mut impl FnMut(Reference<'a>)) {
    match value {
        Value::Object(map) => {
            if let Some(r) = as_reference(value) {
                f(r);
                return;
            }
            for v in map.values() {
                for_each_reference(v, f);
            }
        }
        Value::Array(items) => {
            for v in items {
                for_each_reference(v, f);
            }
        }
        _ => {}
    }
}

/// A deferred value in words for people: a reference as `{node.attr}`, a lookup as
/// `{aws.region}`, a join as its parts run together (`{f/logs.arn}:log-stream:*`). Other
/// values: strings as their text, the rest as JSON.
pub fn describe(value: &Value) -> String {
    if let Some(r) = as_reference(value) {
        return match r {
            Reference::Output { node, attr } => format!("{{{node}.{attr}}}"),
            Reference::Lookup(name) => format!("{{{name}}}"),
        };
    }
    match value {
        Value::String(s) => s.clone(),
        Value::Object(map) if map.contains_key("$join") => match map.get("$join") {
            Some(Value::Array(parts)) => parts.iter().map(describe).collect(),
            _ => value.to_string(),
        },
        other => other.to_string(),
    }
}

/// The value with every object's keys in sorted order. serde_json keeps maps sorted unless
/// some crate in the build turns on `preserve_order`; this makes the order hold either way.
pub fn canonical(mut value: Value) -> Value {
    canonicalize(&mut value);
    value
}

/// [`canonical`] in place: maps already in order (always, without `preserve_order`) are only
/// looked at, not rebuilt.
pub fn canonicalize(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for v in map.values_mut() {
                canonicalize(v);
            }
            let sorted = map.keys().zip(map.keys().skip(1)).all(|(a, b)| a < b);
            if !sorted {
                let mut entries: Vec<(String, Value)> = std::mem::take(map).into_iter().collect();
                entries.sort_by(|a, b| a.0.cmp(&b.0));
                *map = entries.into_iter().collect();
            }
        }
        Value::Array(items) => items.iter_mut().for_each(canonicalize),
        _ => {}
    }
}

/// Every node of a program, in the order lowering made them (declaration order).
#[derive(Clone, Debug, Default)]
pub struct ResourceGraph {
    pub project: String,
    pub stack: String,
    nodes: Vec<Node>,
    index: FastMap<String, usize>,
    /// [`ResourceGraph::order`], computed once (lowering checks it, the diff walks it).
    order: OnceLock<Result<Vec<usize>, Cycle>>,
}

/// Nodes that depend on each other in a circle: no order can create them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cycle {
    pub ids: Vec<String>,
}

impl ResourceGraph {
    pub fn new(project: impl Into<String>, stack: impl Into<String>) -> ResourceGraph {
        ResourceGraph {
            project: project.into(),
            stack: stack.into(),
            nodes: Vec::new(),
            index: FastMap::default(),
            order: OnceLock::new(),
        }
    }

    /// Adds a node; a second node with the same id is refused and handed back.
    pub fn add(&mut self, node: Node) -> Result<(), Box<Node>> {
        if self.index.contains_key(&node.id) {
            return Err(Box::new(node));
        }
        self.index.insert(node.id.clone(), self.nodes.len());
        self.nodes.push(node);
        self.order = OnceLock::new();
        Ok(())
    }

    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    pub fn get(&self, id: &str) -> Option<&Node> {
        self.index.get(id).map(|&i| &self.nodes[i])
    }

    pub fn contains(&self, id: &str) -> bool {
        self.index.contains_key(id)
    }

    /// Dependencies that name no node of the graph (a lowering bug if ever non-empty).
    pub fn dangling(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for node in &self.nodes {
            for dep in &node.depends_on {
                if !self.index.contains_key(dep) {
                    out.push((node.id.clone(), dep.clone()));
                }
            }
        }
        out
    }

    /// Indexes of the nodes in an order that creates every dependency first; among nodes free
    /// to go, the earlier-declared goes first, so the order is stable. On a cycle, the nodes
    /// in it (and those waiting on it) are reported.
    pub fn order(&self) -> Result<&[usize], &Cycle> {
        self.order
            .get_or_init(|| self.compute_order())
            .as_ref()
            .map(Vec::as_slice)
    }

    fn compute_order(&self) -> Result<Vec<usize>, Cycle> {
        let n = self.nodes.len();
        let mut waiting_on = vec![0usize; n];
        let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (i, node) in self.nodes.iter().enumerate() {
            for dep in &node.depends_on {
                if let Some(&d) = self.index.get(dep) {
                    waiting_on[i] += 1;
                    dependents[d].push(i);
                }
            }
        }
        let mut ready: BinaryHeap<std::cmp::Reverse<usize>> = (0..n)
            .filter(|&i| waiting_on[i] == 0)
            .map(std::cmp::Reverse)
            .collect();
        let mut out = Vec::with_capacity(n);
        while let Some(std::cmp::Reverse(i)) = ready.pop() {
            out.push(i);
            for &j in &dependents[i] {
                waiting_on[j] -= 1;
                if waiting_on[j] == 0 {
                    ready.push(std::cmp::Reverse(j));
                }
            }
        }
        if out.len() == n {
            Ok(out)
        } else {
            let ids = (0..n)
                .filter(|&i| waiting_on[i] > 0)
                .map(|i| self.nodes[i].id.clone())
                .collect();
            Err(Cycle { ids })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn type_names_round_trip() {
        for ty in ResourceType::ALL {
            assert_eq!(ResourceType::parse(ty.as_str()), Some(ty));
            let json = serde_json::to_string(&ty).expect("serializes");
            assert_eq!(json, format!("\"{ty}\""));
        }
    }

    #[test]
    fn joins_merge_text_and_collapse() {
        assert_eq!(join([json!("a"), json!("b")]), json!("ab"));
        assert_eq!(join([output_ref("x", "arn")]), output_ref("x", "arn"));
        assert_eq!(
            join([json!("a"), output_ref("x", "arn"), json!(":"), json!("*")]),
            json!({"$join": ["a", {"$ref": "x", "attr": "arn"}, ":*"]})
        );
        let inner = join([output_ref("x", "arn"), json!(":b")]);
        assert_eq!(
            join([inner, json!("c")]),
            json!({"$join": [{"$ref": "x", "attr": "arn"}, ":bc"]})
        );
    }

    #[test]
    fn nodes_depend_on_what_they_reference() {
        let origin = Arc::new(Origin {
            file_id: FileId(0),
            file: "main.infra".into(),
            line: 1,
            span: Span::new(0, 1),
            declaration: "f".into(),
            title: "function f".into(),
        });
        let node = Node::new(
            "f",
            ResourceType::LambdaFunction,
            "p-dev-f",
            json!({"role": output_ref("f/role", "arn"), "x": join([json!("a"), output_ref("b", "arn")]), "self": output_ref("f", "arn")}),
            &["f/logs", "b"],
            &origin,
        );
        assert_eq!(node.depends_on, vec!["b", "f/logs", "f/role"]);
    }

    #[test]
    fn order_puts_dependencies_first_and_finds_cycles() {
        let origin = Arc::new(Origin {
            file_id: FileId(0),
            file: "main.infra".into(),
            line: 1,
            span: Span::new(0, 1),
            declaration: "f".into(),
            title: "function f".into(),
        });
        let mut g = ResourceGraph::new("p", "dev");
        let mk = |id: &str, deps: &[&str]| {
            Node::new(id, ResourceType::IamRole, id, json!({}), deps, &origin)
        };
        assert!(g.add(mk("a", &["c"])).is_ok());
        assert!(g.add(mk("b", &[])).is_ok());
        assert!(g.add(mk("c", &[])).is_ok());
        assert!(g.add(mk("c", &[])).is_err());
        let order: Vec<&str> = g
            .order()
            .expect("no cycle")
            .iter()
            .map(|&i| g.nodes()[i].id.as_str())
            .collect();
        assert_eq!(order, vec!["b", "c", "a"]);
        let mut g = ResourceGraph::new("p", "dev");
        assert!(g.add(mk("a", &["b"])).is_ok());
        assert!(g.add(mk("b", &["a"])).is_ok());
        assert!(g.add(mk("c", &[])).is_ok());
        assert_eq!(
            g.order().map_err(|c| c.ids.clone()),
            Err(vec!["a".into(), "b".into()])
        );
    }

    #[test]
    fn canonical_sorts_keys() {
        let v = canonical(json!({"b": 1, "a": {"d": 1, "c": 2}}));
        assert_eq!(v.to_string(), r#"{"a":{"c":2,"d":1},"b":1}"#);
    }
}
