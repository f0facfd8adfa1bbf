//! Resolving the values a plan leaves open: `{"$ref": ID, "attr": A}` from the outputs of
//! resources in state, `{"$lookup": NAME}` from facts about the account, and `{"$join": [...]}`
//! as the string of its resolved parts.

use infrac_plan::graph::{as_reference, for_each_reference, Reference};
use serde_json::{Map, Value};
use std::collections::{BTreeSet, HashMap};

/// What references resolve against.
#[derive(Clone, Debug, Default)]
pub struct Known {
    /// Outputs by resource id (`{"arn": ..., "url": ...}`).
    pub outputs: HashMap<String, Value>,
    /// Facts by lookup name.
    pub lookups: HashMap<String, Value>,
}

/// A value that could not be resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unresolved {
    pub what: String,
}

impl std::fmt::Display for Unresolved {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} is not known", self.what)
    }
}

impl Known {
    fn get(&self, reference: Reference<'_>) -> Result<Value, Unresolved> {
        match reference {
            Reference::Output { node, attr } => self
                .outputs
                .get(node)
                .and_then(|o| o.get(attr))
                .filter(|v| !v.is_null())
                .cloned()
                .ok_or_else(|| Unresolved {
                    what: format!("the {attr} of `{node}`"),
                }),
            Reference::Lookup(name) => self.lookups.get(name).cloned().ok_or_else(|| Unresolved {
                what: format!("`{name}`"),
            }),
        }
    }

    /// The value with every reference, lookup and join replaced by what it stands for.
    pub fn resolve(&self, value: &Value) -> Result<Value, Unresolved> {
        if let Some(reference) = as_reference(value) {
            return self.get(reference);
        }
        match value {
            Value::Object(map) => {
                if let Some(Value::Array(parts)) = map.get("$join") {
                    let mut out = String::new();
                    for part in parts {
                        match self.resolve(part)? {
                            Value::String(s) => out.push_str(&s),
                            // A list (the default VPC's subnets) is written comma-separated,
                            // as an environment variable carries one.
                            Value::Array(items) => {
                                let items: Vec<String> = items
                                    .iter()
                                    .map(|v| {
                                        v.as_str().map_or_else(|| v.to_string(), str::to_string)
                                    })
                                    .collect();
                                out.push_str(&items.join(","));
                            }
                            other => out.push_str(&other.to_string()),
                        }
                    }
                    return Ok(Value::String(out));
                }
                let mut resolved = Map::new();
                for (k, v) in map {
                    resolved.insert(k.clone(), self.resolve(v)?);
                }
                Ok(Value::Object(resolved))
            }
            Value::Array(items) => items
                .iter()
                .map(|v| self.resolve(v))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array),
            other => Ok(other.clone()),
        }
    }

    /// Like [`Known::resolve`], but what cannot be resolved is left as it is (for reading a
    /// resource back, where a dependency may be gone).
    pub fn resolve_lossy(&self, value: &Value) -> Value {
        if let Ok(v) = self.resolve(value) {
            return v;
        }
        match value {
            Value::Object(map) if as_reference(value).is_none() && !map.contains_key("$join") => {
                Value::Object(
                    map.iter()
                        .map(|(k, v)| (k.clone(), self.resolve_lossy(v)))
                        .collect(),
                )
            }
            Value::Array(items) => {
                Value::Array(items.iter().map(|v| self.resolve_lossy(v)).collect())
            }
            other => other.clone(),
        }
    }
}

/// Every lookup name used in `value`.
pub fn lookups_in(value: &Value, out: &mut BTreeSet<String>) {
    for_each_reference(value, &mut |r| {
        if let Reference::Lookup(name) = r {
            out.insert(name.to_string());
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn resolves_refs_lookups_and_joins() {
        let mut known = Known::default();
        known.outputs.insert(
            "logs".into(),
            json!({"arn": "arn:aws:logs:r:1:log-group:g"}),
        );
        known
            .lookups
            .insert("aws.region".into(), json!("eu-west-1"));
        known.lookups.insert(
            "default_vpc.subnet_ids".into(),
            json!(["subnet-1", "subnet-2"]),
        );
        let value = json!({
            "a": {"$ref": "logs", "attr": "arn"},
            "b": [{"$lookup": "aws.region"}],
            "c": {"$join": [{"$ref": "logs", "attr": "arn"}, ":log-stream:*"]},
            "d": 3,
            "e": {"$join": [{"$lookup": "default_vpc.subnet_ids"}]}
        });
        assert_eq!(
            known.resolve(&value).expect("resolves"),
            json!({"a": "arn:aws:logs:r:1:log-group:g", "b": ["eu-west-1"],
                   "c": "arn:aws:logs:r:1:log-group:g:log-stream:*", "d": 3,
                   "e": "subnet-1,subnet-2"})
        );
        let missing = json!({"x": {"$ref": "gone", "attr": "arn"}, "y": 1});
        assert_eq!(
            known.resolve(&missing).map_err(|e| e.to_string()),
            Err("the arn of `gone` is not known".to_string())
        );
        assert_eq!(known.resolve_lossy(&missing), missing);
    }
}
