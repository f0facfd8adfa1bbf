//! Secrets in SSM Parameter Store: `infrac secret set|list|rm`, and the check plan and deploy
//! make that every secret a program uses has a value. A secret's parameter is a `SecureString`
//! named `/PROJECT/STACK/NAME`, tagged `infrac:project` and `infrac:stack`; it is not a
//! resource of the plan (its value is not the program's), and infrac never reads a value back.
//!
//! A value travels only inside [`SecretValue`], which cannot be printed, serialized or cloned,
//! and is wiped from memory when dropped.

use crate::error::{invalid, translate};
use crate::provider::Clients;
use aws_sdk_ssm::types::{ParameterStringFilter, ParameterType, ResourceTypeForTagging, Tag};
use infrac_deploy::{ErrorKind, ProviderError};
use std::collections::BTreeSet;
use std::fmt;

/// A secret's value. It has no `Display`, `Serialize` or `Clone`, its `Debug` shows nothing
/// of it, and its bytes are overwritten when it is dropped: a value cannot reach a plan, the
/// state, a log or an error message by accident.
pub struct SecretValue(String);

impl SecretValue {
    /// A value as read from the user. `None` for an empty one (SSM refuses it).
    pub fn new(value: String) -> Option<SecretValue> {
        (!value.is_empty()).then_some(SecretValue(value))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The value itself, for the one call that sends it to SSM.
    fn expose(&self) -> &str {
        &self.0
    }

    /// `text` with every occurrence of the value replaced by `***` (for AWS's error messages,
    /// which could echo what was sent).
    fn redact(&self, text: &str) -> String {
        if self.0.is_empty() {
            text.to_string()
        } else {
            text.replace(&self.0, "***")
        }
    }
}

impl fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretValue(<redacted>)")
    }
}

impl Drop for SecretValue {
    fn drop(&mut self) {
        let mut bytes = std::mem::take(&mut self.0).into_bytes();
        bytes.fill(0);
        // Keeps the compiler from dropping the wipe of memory that is about to be freed.
        std::hint::black_box(&bytes);
    }
}

/// The parameters of one stack, through the SDK's SSM client.
pub struct SecretStore {
    client: aws_sdk_ssm::Client,
    project: String,
    stack: String,
}

/// What `infrac secret rm` found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Removed {
    Removed,
    NotSet,
}

const OWNER_PROJECT: &str = "infrac:project";
const OWNER_STACK: &str = "infrac:stack";

impl SecretStore {
    pub fn new(clients: &Clients, project: &str, stack: &str) -> SecretStore {
        SecretStore {
            client: clients.ssm.clone(),
            project: project.to_string(),
            stack: stack.to_string(),
        }
    }

    /// The parameter's name of a secret: `/PROJECT/STACK/NAME`, as lowering names it.
    pub fn parameter_name(&self, secret: &str) -> String {
        infrac_plan::names::Namer::new(&self.project, &self.stack).ssm_parameter(secret)
    }

    /// Writes the value as a `SecureString` (encrypted with the account's `aws/ssm` key). A
    /// new parameter is tagged as this stack's; an existing one is overwritten only when its
    /// tags say it is this stack's.
    pub async fn put(&self, secret: &str, value: &SecretValue) -> Result<(), ProviderError> {
        const OP: &str = "ssm:PutParameter";
        let name = self.parameter_name(secret);
        let first = self
            .client
            .put_parameter()
            .name(&name)
            .value(value.expose())
            .r#type(ParameterType::SecureString)
            .description(format!(
                "infrac secret `{secret}` of stack {} of {}",
                self.stack, self.project
            ))
            .set_tags(Some(self.tags()?))
            .send()
            .await;
        let err = match first {
            Ok(_) => return Ok(()),
            Err(err) => redacted(translate(OP, err), value),
        };
        if err.code.as_deref() != Some("ParameterAlreadyExists") {
            return Err(err);
        }
        self.check_ours(&name).await?;
        // AWS takes tags only when a parameter is created, not with `Overwrite`.
        self.client
            .put_parameter()
            .name(&name)
            .value(value.expose())
            .r#type(ParameterType::SecureString)
            .overwrite(true)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| redacted(translate(OP, e), value))
    }

    /// Which of `secrets` have a value in the stack, asking by name (`DescribeParameters`: the
    /// names and types, never a value).
    pub async fn which_are_set(&self, secrets: &[&str]) -> Result<BTreeSet<String>, ProviderError> {
        const OP: &str = "ssm:DescribeParameters";
        let mut set = BTreeSet::new();
        // A filter takes at most 50 values.
        for chunk in secrets.chunks(50) {
            let names: Vec<String> = chunk.iter().map(|s| self.parameter_name(s)).collect();
            let filter = ParameterStringFilter::builder()
                .key("Name")
                .option("Equals")
                .set_values(Some(names.clone()))
                .build()
                .map_err(|e| invalid(OP, e.to_string()))?;
            let mut token = None;
            loop {
                let page = self
                    .client
                    .describe_parameters()
                    .parameter_filters(filter.clone())
                    .set_next_token(token)
                    .send()
                    .await
                    .map_err(|e| translate(OP, e))?;
                for p in page.parameters() {
                    if let Some(found) = p.name() {
                        if let Some(i) = names.iter().position(|n| n == found) {
                            set.insert(chunk[i].to_string());
                        }
                    }
                }
                token = page.next_token().map(str::to_string);
                if token.is_none() {
                    break;
                }
            }
        }
        Ok(set)
    }

    /// Every parameter under `/PROJECT/STACK/`, by secret name (for `list` to show what is set
    /// but no longer declared).
    pub async fn all_set(&self) -> Result<BTreeSet<String>, ProviderError> {
        const OP: &str = "ssm:DescribeParameters";
        let prefix = self.parameter_name("");
        let filter = ParameterStringFilter::builder()
            .key("Path")
            .option("OneLevel")
            .values(prefix.trim_end_matches('/'))
            .build()
            .map_err(|e| invalid(OP, e.to_string()))?;
        let mut out = BTreeSet::new();
        let mut token = None;
        loop {
            let page = self
                .client
                .describe_parameters()
                .parameter_filters(filter.clone())
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| translate(OP, e))?;
            for p in page.parameters() {
                if let Some(rest) = p.name().and_then(|n| n.strip_prefix(&prefix)) {
                    if !rest.is_empty() && !rest.contains('/') {
                        out.insert(rest.to_string());
                    }
                }
            }
            token = page.next_token().map(str::to_string);
            if token.is_none() {
                return Ok(out);
            }
        }
    }

    /// Deletes a secret's parameter, when its tags say it is this stack's.
    pub async fn remove(&self, secret: &str) -> Result<Removed, ProviderError> {
        let name = self.parameter_name(secret);
        if self.which_are_set(&[secret]).await?.is_empty() {
            return Ok(Removed::NotSet);
        }
        self.check_ours(&name).await?;
        match self.client.delete_parameter().name(&name).send().await {
            Ok(_) => Ok(Removed::Removed),
            Err(e) => {
                let err = translate("ssm:DeleteParameter", e);
                if err.code.as_deref() == Some("ParameterNotFound") {
                    Ok(Removed::NotSet)
                } else {
                    Err(err)
                }
            }
        }
    }

    fn tags(&self) -> Result<Vec<Tag>, ProviderError> {
        [(OWNER_PROJECT, &self.project), (OWNER_STACK, &self.stack)]
            .into_iter()
            .map(|(k, v)| {
                Tag::builder()
                    .key(k)
                    .value(v)
                    .build()
                    .map_err(|e| invalid("ssm:PutParameter", e.to_string()))
            })
            .collect()
    }

    /// Refuses a parameter whose tags do not say it is this stack's: one made by hand or by
    /// another tool is not infrac's to overwrite or delete.
    async fn check_ours(&self, name: &str) -> Result<(), ProviderError> {
        const OP: &str = "ssm:ListTagsForResource";
        let out = self
            .client
            .list_tags_for_resource()
            .resource_type(ResourceTypeForTagging::Parameter)
            .resource_id(name)
            .send()
            .await
            .map_err(|e| translate(OP, e))?;
        let tag = |key: &str| {
            out.tag_list()
                .iter()
                .find(|t| t.key() == key)
                .map(|t| t.value().to_string())
        };
        if tag(OWNER_PROJECT).as_deref() == Some(self.project.as_str())
            && tag(OWNER_STACK).as_deref() == Some(self.stack.as_str())
        {
            return Ok(());
        }
        Err(ProviderError::new(
            ErrorKind::NotOurs,
            OP,
            format!(
                "the parameter {name} exists but was not set by infrac for stack {} of {} (its tags do not say so)",
                self.stack, self.project
            ),
        )
        .with_hint("infrac leaves it alone: delete or retag it yourself if it is yours"))
    }
}

/// An error of a call that carried the value, with the value taken out of every text.
fn redacted(mut err: ProviderError, value: &SecretValue) -> ProviderError {
    err.message = value.redact(&err.message);
    err.hint = err.hint.map(|h| value.redact(&h));
    err
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_never_prints() {
        let value = SecretValue::new("hunter2".to_string()).expect("non-empty");
        assert_eq!(format!("{value:?}"), "SecretValue(<redacted>)");
        assert_eq!(
            format!("{:?}", Some(&value)),
            "Some(SecretValue(<redacted>))"
        );
        assert_eq!(value.len(), 7);
        assert!(SecretValue::new(String::new()).is_none());
    }

    #[test]
    fn errors_lose_the_value() {
        let value = SecretValue::new("hunter2".to_string()).expect("non-empty");
        let err = ProviderError::new(
            ErrorKind::Other,
            "ssm:PutParameter",
            "Value 'hunter2' at 'value' failed to satisfy constraint",
        )
        .with_hint("not hunter2");
        let err = redacted(err, &value);
        assert_eq!(
            err.message,
            "Value '***' at 'value' failed to satisfy constraint"
        );
        assert_eq!(err.hint.as_deref(), Some("not ***"));
    }
}
