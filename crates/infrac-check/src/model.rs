//! The checked program: what lowering turns into AWS resources and what the IDE layer asks
//! about (declarations, references). Values are resolved: `let`s are substituted, defaults are
//! available through [`ResourceModel::get`].

use crate::pattern::KeyPattern;
use crate::schema::{schema, Default, Type};
use infrac_syntax::ast::{AccessMode, ResourceKind, TargetKind};
use infrac_syntax::{FileId, Name, Span};
use std::fmt;

/// A resolved value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Str(Vec<StrSegment>),
    Int(i64),
    Bool(bool),
    /// Seconds.
    Duration(u64),
    /// MiB.
    Size(u64),
    List(Vec<Value>),
    Map(VecMap<Name, Value>),
    /// A resource itself (`media`), not one of its values.
    Resource(ResourceKind, Name),
    /// An int field of the triggering event (`event.size`), known only at run time.
    EventInt(Name),
}

/// Part of a string: text, or something known only at deploy or run time.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StrSegment {
    Text(Name),
    /// `media.name`: a value of a resource, known after deploy.
    Ref {
        resource: Name,
        attr: Name,
    },
    /// `event.key`: a field of the event that started this run.
    Event(Name),
}

impl Value {
    pub fn text(text: impl Into<Name>) -> Value {
        Value::Str(vec![StrSegment::Text(text.into())])
    }

    pub fn ty(&self) -> Type {
        match self {
            Value::Str(_) => Type::String,
            Value::Int(_) => Type::Int,
            Value::Bool(_) => Type::Bool,
            Value::Duration(_) => Type::Duration,
            Value::Size(_) => Type::Size,
            Value::List(_) => Type::ListOfString,
            Value::Map(_) => Type::MapOfString,
            Value::Resource(kind, _) => Type::Resource(*kind),
            Value::EventInt(_) => Type::Int,
        }
    }

    /// The string's text when it holds nothing known only later.
    pub fn as_literal_str(&self) -> Option<String> {
        let Value::Str(segments) = self else {
            return None;
        };
        let mut out = String::new();
        for segment in segments {
            match segment {
                StrSegment::Text(t) => out.push_str(t),
                _ => return None,
            }
        }
        Some(out)
    }

    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn from_default(default: Default) -> Value {
        match default {
            Default::Bool(b) => Value::Bool(b),
            Default::Int(i) => Value::Int(i),
            Default::Size(mb) => Value::Size(mb),
            Default::Duration(s) => Value::Duration(s),
            Default::Str(s) => Value::text(s),
            Default::EmptyMap => Value::Map(VecMap::new()),
        }
    }

    /// The value as it would be written in a program (for hover and inlay hints).
    pub fn source_text(&self) -> String {
        match self {
            Value::Str(segments) => {
                let mut out = String::from("\"");
                for segment in segments {
                    match segment {
                        StrSegment::Text(t) => {
                            for c in t.chars() {
                                match c {
                                    '"' => out.push_str("\\\""),
                                    '\\' => out.push_str("\\\\"),
                                    '\n' => out.push_str("\\n"),
                                    '\t' => out.push_str("\\t"),
                                    '$' => out.push_str("\\$"),
                                    c => out.push(c),
                                }
                            }
                        }
                        StrSegment::Ref { resource, attr } => {
                            out.push_str(&format!("${{{resource}.{attr}}}"));
                        }
                        StrSegment::Event(field) => out.push_str(&format!("${{event.{field}}}")),
                    }
                }
                out.push('"');
                out
            }
            Value::Int(i) => i.to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Duration(s) => format_duration(*s),
            Value::Size(mb) => format_size(*mb),
            Value::List(items) => {
                let items: Vec<String> = items.iter().map(Value::source_text).collect();
                format!("[{}]", items.join(", "))
            }
            Value::Map(entries) => {
                if entries.is_empty() {
                    return "{}".to_string();
                }
                let entries: Vec<String> = entries
                    .iter()
                    .map(|(k, v)| format!("{k} = {}", v.source_text()))
                    .collect();
                format!("{{ {} }}", entries.join(", "))
            }
            Value::Resource(_, name) => name.to_string(),
            Value::EventInt(field) => format!("event.{field}"),
        }
    }
}

/// `90s`, `5m`, `2h`, `7d`: the largest unit that divides it.
pub fn format_duration(seconds: u64) -> String {
    for (unit, size) in [("d", 86_400), ("h", 3600), ("m", 60)] {
        if seconds >= size && seconds.is_multiple_of(size) {
            return format!("{}{unit}", seconds / size);
        }
    }
    format!("{seconds}s")
}

/// `512MB`, `2GB`.
pub fn format_size(mebibytes: u64) -> String {
    if mebibytes >= 1024 && mebibytes.is_multiple_of(1024) {
        format!("{}GB", mebibytes / 1024)
    } else {
        format!("{mebibytes}MB")
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct AccessModel {
    pub mode: AccessMode,
    pub bucket: Name,
    /// `None`: every key.
    pub pattern: Option<KeyPattern>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ResourceModel {
    pub kind: ResourceKind,
    pub name: Name,
    pub file: FileId,
    /// The whole declaration.
    pub span: Span,
    pub name_span: Span,
    /// The attributes the program sets, with their spans (of the whole `name = value`).
    pub attrs: Attrs,
    pub access: Vec<AccessModel>,
}

/// A resource's attributes by name, in name order.
pub type Attrs = VecMap<&'static str, (Value, Span)>;

/// A map kept as a vector in key order: what the model holds are a handful of entries each
/// (a resource's attributes, an `env`), where a B-tree would give every one a node of eleven.
/// The part of `BTreeMap`'s interface the crates use, with the same order and `Debug` form.
#[derive(Clone, PartialEq)]
pub struct VecMap<K, V>(Vec<(K, V)>);

impl<K, V> std::default::Default for VecMap<K, V> {
    fn default() -> Self {
        VecMap(Vec::new())
    }
}

impl<K: Ord, V> VecMap<K, V> {
    pub fn new() -> Self {
        VecMap(Vec::new())
    }

    pub fn with_capacity(n: usize) -> Self {
        VecMap(Vec::with_capacity(n))
    }

    fn find<Q: Ord + ?Sized>(&self, key: &Q) -> Result<usize, usize>
    where
        K: std::borrow::Borrow<Q>,
    {
        self.0.binary_search_by(|(k, _)| k.borrow().cmp(key))
    }

    pub fn get<Q: Ord + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: std::borrow::Borrow<Q>,
    {
        // A handful of entries: testing each for equality (mostly a length compare for
        // names) beats ordering comparisons.
        if self.0.len() <= 16 {
            return self
                .0
                .iter()
                .find(|(k, _)| k.borrow() == key)
                .map(|(_, v)| v);
        }
        self.find(key).ok().map(|i| &self.0[i].1)
    }

    pub fn contains_key<Q: Ord + ?Sized>(&self, key: &Q) -> bool
    where
        K: std::borrow::Borrow<Q>,
    {
        self.get(key).is_some()
    }

    /// Sets `key`, and gives back what it held.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.find(&key) {
            Ok(i) => Some(std::mem::replace(&mut self.0[i].1, value)),
            Err(i) => {
                self.0.insert(i, (key, value));
                None
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// In key order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&K, &V)> + ExactSizeIterator {
        self.0.iter().map(|(k, v)| (k, v))
    }

    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &K> + ExactSizeIterator {
        self.0.iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl DoubleEndedIterator<Item = &V> + ExactSizeIterator {
        self.0.iter().map(|(_, v)| v)
    }

    pub fn shrink_to_fit(&mut self) {
        self.0.shrink_to_fit();
    }
}

impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for VecMap<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.0.iter().map(|(k, v)| (k, v)))
            .finish()
    }
}

impl<K: Ord, V> Extend<(K, V)> for VecMap<K, V> {
    fn extend<T: IntoIterator<Item = (K, V)>>(&mut self, iter: T) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

impl<K: Ord, V> FromIterator<(K, V)> for VecMap<K, V> {
    fn from_iter<T: IntoIterator<Item = (K, V)>>(iter: T) -> Self {
        let mut map = VecMap::new();
        map.extend(iter);
        map
    }
}

impl<K, V> IntoIterator for VecMap<K, V> {
    type Item = (K, V);
    type IntoIter = std::vec::IntoIter<(K, V)>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'m, K, V> IntoIterator for &'m VecMap<K, V> {
    type Item = (&'m K, &'m V);
    type IntoIter = std::iter::Map<std::slice::Iter<'m, (K, V)>, fn(&'m (K, V)) -> (&'m K, &'m V)>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(k, v)| (k, v))
    }
}

impl ResourceModel {
    /// The attribute's value: as set, else its default, else `None`.
    pub fn get(&self, name: &str) -> Option<Value> {
        if let Some((value, _)) = self.attrs.get(name) {
            return Some(value.clone());
        }
        schema(self.kind)
            .attr(name)
            .and_then(|a| a.default)
            .map(Value::from_default)
    }

    pub fn reads(&self) -> impl Iterator<Item = &AccessModel> {
        self.access.iter().filter(|a| a.mode == AccessMode::Reads)
    }

    pub fn writes(&self) -> impl Iterator<Item = &AccessModel> {
        self.access.iter().filter(|a| a.mode == AccessMode::Writes)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct TriggerModel {
    pub source: Name,
    pub source_kind: ResourceKind,
    pub event: &'static str,
    /// The pattern as written (`".mp4"`), for ids and display.
    pub pattern_text: Option<String>,
    pub pattern: Option<KeyPattern>,
    /// The parentheses after the event and what is between them.
    pub args_span: Span,
    pub target_kind: TargetKind,
    pub target: Name,
    /// Environment added to a task's run (task triggers only).
    pub env: VecMap<Name, Value>,
    pub file: FileId,
    pub span: Span,
}

impl TriggerModel {
    /// `media.on_put(.mp4)->ffmpeg`: stable, and the base of the resource ids it lowers to.
    pub fn id(&self) -> String {
        format!(
            "{}.{}({})->{}",
            self.source,
            self.event,
            self.pattern_text.as_deref().unwrap_or(""),
            self.target
        )
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct OutputModel {
    pub name: Name,
    pub value: Value,
    pub file: FileId,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SymbolKind {
    /// `None` for a declaration of an unknown kind (`buckt media`), already reported.
    Resource(Option<ResourceKind>),
    Let,
    Output,
}

/// A declared name.
#[derive(Clone, Debug, PartialEq)]
pub struct Symbol {
    pub name: Name,
    pub kind: SymbolKind,
    pub file: FileId,
    pub name_span: Span,
    pub span: Span,
    pub doc: Option<String>,
}

pub type SymbolId = usize;

/// A use of a declared name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reference {
    pub file: FileId,
    pub span: Span,
    pub symbol: SymbolId,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Model {
    pub resources: Vec<ResourceModel>,
    pub triggers: Vec<TriggerModel>,
    pub outputs: Vec<OutputModel>,
    pub symbols: Vec<Symbol>,
    pub references: Vec<Reference>,
}

impl Model {
    pub fn resource(&self, name: &str) -> Option<&ResourceModel> {
        self.resources.iter().find(|r| r.name == name)
    }

    /// The declaration whose name is at `offset` in `file`, or the one a reference there
    /// points to.
    pub fn symbol_at(&self, file: FileId, offset: usize) -> Option<SymbolId> {
        if let Some(id) = self
            .symbols
            .iter()
            .position(|s| s.file == file && s.name_span.touches(offset))
        {
            return Some(id);
        }
        self.references
            .iter()
            .find(|r| r.file == file && r.span.touches(offset))
            .map(|r| r.symbol)
    }

    pub fn references_to(&self, symbol: SymbolId) -> impl Iterator<Item = &Reference> {
        self.references.iter().filter(move |r| r.symbol == symbol)
    }
}
