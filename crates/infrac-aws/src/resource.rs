//! The one trait every resource type implements ([`AwsResource`]: read, create, update,
//! delete, and the drift keys its read gives), the typed view of a resource it works on
//! ([`Typed`]), and the helpers every service module shares: "read, or `None` when not
//! found", "already exists", tags, retries of AWS's short-lived gaps.
//!
//! Errors are translated from the SDK's in one place, `crate::error`.

use crate::error::invalid;
use crate::provider::AwsProvider;
use infrac_deploy::{ErrorKind, Observed, ProviderError, Resource};
use infrac_plan::props::{ResourceProps, Tags, Text};
use infrac_plan::ResourceType;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::future::Future;
use std::time::{Duration, Instant};

/// The AWS API of one resource type. Implemented by one unit struct per type in its
/// service's module (`s3::Bucket`, `iam::Role`, ...); the provider dispatches to it by the
/// resource's type, having read the properties into `Self::Props`.
///
/// The rules of [`infrac_deploy::Provider`] hold for each: `create` of a name that is taken
/// fails with [`ErrorKind::AlreadyExists`]; `update` applies every input (it also adopts what
/// a crashed run made, with `old` = `None`); `delete` of what is gone is `Ok` or
/// [`ErrorKind::NotFound`]; `read` of what is gone is `Ok(None)`.
pub trait AwsResource {
    type Props: ResourceProps;

    /// The outputs, and the properties named by [`AwsResource::drift_keys`] as AWS has them.
    fn read(
        aws: &AwsProvider,
        r: &Typed<'_, Self::Props>,
    ) -> impl Future<Output = Result<Option<Observed>, ProviderError>> + Send;

    /// Creates the resource; returns its outputs.
    fn create(
        aws: &AwsProvider,
        r: &Typed<'_, Self::Props>,
    ) -> impl Future<Output = Result<Value, ProviderError>> + Send;

    /// Makes the resource match `r` (`old`: what it was last applied with, when known).
    fn update(
        aws: &AwsProvider,
        r: &Typed<'_, Self::Props>,
        old: Option<&Typed<'_, Self::Props>>,
    ) -> impl Future<Output = Result<Value, ProviderError>> + Send;

    fn delete(
        aws: &AwsProvider,
        r: &Typed<'_, Self::Props>,
    ) -> impl Future<Output = Result<(), ProviderError>> + Send;

    /// The top-level properties `read` returns: the type's descriptor says which.
    fn drift_keys() -> &'static [&'static str] {
        <Self::Props as ResourceProps>::TYPE.drift_keys()
    }
}

/// A resource with its properties read into its type's struct.
#[derive(Clone, Debug)]
pub struct Typed<'a, P> {
    /// The logical id, for messages.
    pub id: &'a str,
    /// The physical name.
    pub name: &'a str,
    /// The ARN in state, when there is one.
    pub arn: Option<&'a str>,
    pub props: P,
}

impl<'a, P: ResourceProps> Typed<'a, P> {
    /// Reads `r`'s properties; a missing or unknown property is refused before any call.
    pub fn parse(r: &'a Resource) -> Result<Typed<'a, P>, ProviderError> {
        let props =
            P::from_json(&r.properties).map_err(|e| invalid_properties(P::TYPE, &r.id, &e))?;
        Ok(Typed {
            id: &r.id,
            name: &r.name,
            arn: r.arn.as_deref(),
            props,
        })
    }
}

/// The error for properties that are not their type's (a missing or unknown key).
pub fn invalid_properties(ty: ResourceType, id: &str, err: &serde_json::Error) -> ProviderError {
    invalid(&format!("read the properties of {ty}"), format!("`{id}`: {err}"))
        .with_code("InvalidProperties")
        .with_hint("the plan or state holds properties this infrac does not know: run `infrac plan` with the infrac that wrote them, or with a newer one")
}

/// A value the engine should have resolved (an ARN, a region); an error names it if not.
pub fn known<'t>(text: &'t Text, operation: &str, what: &str) -> Result<&'t str, ProviderError> {
    text.known().map(String::as_str).ok_or_else(|| {
        invalid(
            operation,
            format!("`{what}` is not known yet (it refers to a resource that does not exist)"),
        )
    })
}

/// `Ok(None)` for an error that says the resource is not there; other errors stay errors.
pub fn read_or_none<T>(result: Result<T, ProviderError>) -> Result<Option<T>, ProviderError> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(err) if err.is_not_found() => Ok(None),
        Err(err) => Err(err),
    }
}

/// Done, for a call whose resource is already gone (a second delete).
pub fn ignore_not_found(err: ProviderError) -> Result<(), ProviderError> {
    if err.is_not_found() {
        Ok(())
    } else {
        Err(err)
    }
}

/// The error for a create whose name is taken by a resource not in state.
pub fn already_exists(operation: &str, what: &str, name: &str) -> ProviderError {
    ProviderError::new(ErrorKind::AlreadyExists, operation, format!("{what} {name} exists"))
        .with_hint("a resource of this name exists but is not in this stack's state: delete it, or deploy under another project name or stack")
}

/// An error whose AWS code is `code` counts as `kind` (services disagree on what "already
/// exists" or "not found" is called).
pub fn reclassify(err: ProviderError, code: &str, kind: ErrorKind) -> ProviderError {
    if err.code.as_deref() == Some(code) {
        ProviderError { kind, ..err }
    } else {
        err
    }
}

/// `{"arn": arn}`: the outputs of most types.
pub fn arn_output(arn: impl Into<String>) -> Value {
    json!({ "arn": arn.into() })
}

/// What `read` gives for a resource that exists.
pub fn observed(outputs: Value, properties: Map<String, Value>) -> Observed {
    Observed {
        outputs,
        properties,
    }
}

/// Tags as the services that take a list of their own `Tag` type want them (S3, IAM, ECR,
/// EventBridge: each SDK has its own type, with the same builder). `$operation` names the
/// call in the error a refused tag gives.
macro_rules! sdk_tags {
    ($tag:ty, $tags:expr, $operation:expr) => {
        $tags
            .iter()
            .map(|(k, v)| {
                <$tag>::builder()
                    .key(k)
                    .value(v)
                    .build()
                    .map_err(|e| $crate::error::invalid($operation, e.to_string()))
            })
            .collect::<Result<Vec<$tag>, infrac_deploy::ProviderError>>()
    };
}
pub(crate) use sdk_tags;

/// Tags as the services that take a string map want them (Lambda, Logs).
pub fn tag_map(tags: &Tags) -> HashMap<String, String> {
    tags.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// The tag keys to remove and whether any desired tag is missing or different, given the
/// tags a resource has now.
pub fn tag_changes<'a>(
    desired: &Tags,
    current: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> (Vec<String>, bool) {
    let current: HashMap<&str, &str> = current.into_iter().collect();
    let stale = current
        .keys()
        .filter(|k| !desired.contains_key(**k))
        .map(|k| (*k).to_string())
        .collect();
    let differs = desired
        .iter()
        .any(|(k, v)| current.get(k.as_str()) != Some(&v.as_str()));
    (stale, differs)
}

/// Retries `f` while `retry` says the error is one of AWS's short-lived gaps, for at most
/// `max` in all, with a growing pause.
pub async fn retry_while<T, F, Fut>(
    max: Duration,
    retry: impl Fn(&ProviderError) -> bool,
    mut f: F,
) -> Result<T, ProviderError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, ProviderError>>,
{
    let start = Instant::now();
    let mut pause = Duration::from_millis(500);
    loop {
        match f().await {
            Err(err) if retry(&err) && start.elapsed() + pause < max => {
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(5));
            }
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_changes_name_stale_keys_and_differences() {
        let desired = Tags::from([("a".into(), "1".into()), ("b".into(), "2".into())]);
        let (stale, differs) = tag_changes(&desired, [("a", "1"), ("b", "2")]);
        assert!(stale.is_empty() && !differs);
        let (stale, differs) = tag_changes(&desired, [("a", "1"), ("c", "3")]);
        assert_eq!(stale, vec!["c".to_string()]);
        assert!(differs);
        let (_, differs) = tag_changes(&desired, [("a", "1"), ("b", "9")]);
        assert!(differs);
    }

    #[test]
    fn unknown_properties_are_refused_with_the_key_named() {
        let r = Resource {
            id: "f/logs".into(),
            ty: infrac_plan::ResourceType::LogGroup,
            name: "g".into(),
            arn: None,
            properties: json!({"name": "g", "tags": {}, "retention": 7}),
        };
        let err = Typed::<infrac_plan::props::LogGroupProps>::parse(&r).expect_err("refused");
        assert_eq!(err.code.as_deref(), Some("InvalidProperties"));
        assert!(
            err.message.contains("`f/logs`: unknown field `retention`"),
            "{err}"
        );
    }

    #[test]
    fn unresolved_values_are_errors_not_empty_strings() {
        let arn: Text =
            serde_json::from_value(json!({"$ref": "f/role", "attr": "arn"})).expect("a reference");
        let err = known(&arn, "lambda:CreateFunction", "role_arn").expect_err("not known");
        assert_eq!(
            err.to_string(),
            "lambda:CreateFunction failed: `role_arn` is not known yet (it refers to a resource that does not exist)"
        );
        assert_eq!(known(&Text::from("arn:x"), "op", "role_arn"), Ok("arn:x"));
    }

    #[test]
    fn not_found_reads_are_none() {
        let gone = ProviderError::new(ErrorKind::NotFound, "x:Get", "gone");
        assert_eq!(read_or_none::<()>(Err(gone.clone())), Ok(None));
        assert!(ignore_not_found(gone).is_ok());
        let denied = ProviderError::new(ErrorKind::Other, "x:Get", "no");
        assert!(read_or_none::<()>(Err(denied.clone())).is_err());
        assert!(ignore_not_found(denied).is_err());
    }
}
