//! `infrac import ID AWS-NAME`: adopts a resource that exists in AWS into a stack, as the
//! declaration whose node is `ID` would make it. Import changes nothing of the resource but
//! its tags (it adds the stack's, keeping the others); the next plan shows what differs from
//! the program, and the next deploy applies it.

use super::{Engine, Owner, INSTANCE_TAG};
use crate::provider::{Provider, Resource};
use infrac_plan::graph::Node;
use infrac_plan::{ResourceState, ResourceType, State, Status};
use serde_json::Value;
use std::collections::BTreeMap;

/// What an import did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Imported {
    /// Whether the stack's tags were added (`false`: it carried them already).
    pub tagged: bool,
    /// The top-level inputs AWS could not read back: the next deploy applies them.
    pub unknown: Vec<String>,
}

/// The types `infrac import` can adopt: those whose tags it knows how to add.
const IMPORTABLE: [ResourceType; 7] = [
    ResourceType::S3Bucket,
    ResourceType::IamRole,
    ResourceType::LambdaFunction,
    ResourceType::LogGroup,
    ResourceType::EcsCluster,
    ResourceType::EcrRepository,
    ResourceType::EventsRule,
];

/// Why a type cannot be imported; `None` for one that can.
pub fn not_importable(ty: ResourceType) -> Option<String> {
    if ty == ResourceType::EcsTaskDefinition {
        return Some(format!(
            "a {ty} is registered anew by every deploy that changes it: there is nothing to import (import the cluster, roles and log group; the next deploy registers the task definition)"
        ));
    }
    if IMPORTABLE.contains(&ty) {
        return None;
    }
    Some(match ty.parent_type() {
        Some(parent) if !ty.taggable() => format!(
            "a {ty} carries no tags of its own and belongs with its {parent}: import that, and the next deploy puts this"
        ),
        _ => format!(
            "infrac cannot import a {ty} yet (it imports buckets, roles, functions, log groups, clusters, repositories and rules): delete it and let the deploy make it"
        ),
    })
}

impl<P: Provider> Engine<'_, P> {
    /// Adopts the resource `aws_name` into `state` as `node` (from the program lowered with the
    /// state's names). Refuses, changing nothing, when the id is in the state already, the
    /// type cannot be tagged, the name is not the one the program gives it (except for a
    /// bucket, which keeps the name it has), the stack lives in another account or region,
    /// the resource does not exist, or its tags say it is another stack's. Changes `state` in
    /// memory only: the caller saves it.
    pub async fn import(
        &self,
        state: &mut State,
        node: &Node,
        aws_name: &str,
    ) -> Result<Imported, String> {
        let (id, ty) = (node.id.as_str(), node.ty);
        if let Some(entry) = state.get(id) {
            return Err(format!(
                "`{id}` is in the state of stack {} already ({}); nothing was imported (`infrac state rm {id}` forgets it first)",
                self.stack, entry.physical_id
            ));
        }
        if let Some(why) = not_importable(ty) {
            return Err(format!("`{id}` cannot be imported: {why}"));
        }
        if ty != ResourceType::S3Bucket && aws_name != node.name {
            return Err(format!(
                "the program names `{id}` `{}`, and AWS cannot rename a {ty}: only a resource of that name can be imported as it",
                node.name
            ));
        }
        let home = self.check_home(state).await.map_err(|e| e.to_string())?;
        let lookups = self
            .lookups([node.properties.as_ref()])
            .await
            .map_err(|e| e.to_string())?;
        let known = Self::known(state, lookups);
        let mut properties = known.resolve_lossy(&node.properties);
        if ty == ResourceType::S3Bucket {
            properties["name"] = Value::String(aws_name.to_string());
        }
        let resource = Resource {
            id: id.to_string(),
            ty,
            name: aws_name.to_string(),
            arn: None,
            properties,
        };
        let Some(found) = self
            .provider
            .owner_tags(&resource)
            .await
            .map_err(|e| e.to_string())?
        else {
            return Err(format!("there is no {ty} named `{aws_name}` in {home}"));
        };
        let owner = Owner {
            project: state.project.clone(),
            stack: self.stack.clone(),
            instance: state.instance.clone(),
        };
        let infrac_tagged = found.tags.keys().any(|k| k.starts_with("infrac:"));
        let tagged = if infrac_tagged {
            // Another stack's (or another instance's) resource is not taken over: that stack
            // would go on changing it.
            owner
                .check(&resource, &found, false)
                .map_err(|e| format!("`{aws_name}` cannot be imported: {e}"))?;
            false
        } else {
            let mut tags = BTreeMap::new();
            tags.insert("infrac:project".to_string(), state.project.clone());
            tags.insert("infrac:stack".to_string(), self.stack.clone());
            tags.insert("infrac:id".to_string(), id.to_string());
            if let Some(instance) = &state.instance {
                tags.insert(INSTANCE_TAG.to_string(), instance.clone());
            }
            self.provider
                .add_tags(&resource, &tags)
                .await
                .map_err(|e| format!("{e}; nothing was imported"))?;
            true
        };
        let observed = self
            .provider
            .read(&resource)
            .await
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("`{aws_name}` ({ty}) was deleted while it was imported"))?;
        // The entry says what AWS has where it can be read, and the program's values for the
        // rest; marked imported, so the next plan updates it and the deploy applies every input.
        let mut inputs = node.properties.as_ref().clone();
        let mut unknown = Vec::new();
        if let Value::Object(map) = &mut inputs {
            for (key, value) in map.iter_mut() {
                match key.as_str() {
                    "name" => *value = Value::String(aws_name.to_string()),
                    "tags" => {}
                    _ => match observed.properties.get(key) {
                        Some(read) => value.clone_from(read),
                        None => unknown.push(key.clone()),
                    },
                }
            }
        }
        let arn = observed
            .outputs
            .get("arn")
            .and_then(Value::as_str)
            .map(String::from);
        state.resources.push(ResourceState {
            id: id.to_string(),
            ty,
            physical_id: aws_name.to_string(),
            arn,
            status: Status::Applied,
            depends_on: node.depends_on.clone(),
            inputs,
            outputs: observed.outputs,
            pending_since: None,
            imported: true,
        });
        Ok(Imported { tagged, unknown })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_either_imports_or_says_why_not() {
        for ty in ResourceType::ALL {
            match not_importable(ty) {
                None => assert!(ty.taggable(), "{ty} is importable but takes no tags"),
                Some(why) => assert!(why.contains(ty.as_str()), "{ty}: {why}"),
            }
        }
        assert_eq!(not_importable(ResourceType::S3Bucket), None);
    }
}
