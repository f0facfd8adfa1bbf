//! The typed inputs of every resource type: one struct per type, built by lowering, stored in
//! plans and state as its canonical JSON, compared by the diff in that form, and read back by
//! the provider. Every struct refuses a key it does not know (`deny_unknown_fields`), so a
//! misspelled property is a compile error in lowering and a refused input in the provider,
//! never a silent default.
//!
//! The JSON form is a contract: plans and states written before these types existed hold the
//! same keys, in the same shapes. Optional properties that lowering leaves out are skipped
//! when absent (`handler`, `lifecycle`, `ephemeral_storage`, ...), never written as `null`;
//! the two content hashes that can be unknown (`code.sha256`, `context.sha256`) are written as
//! `null`, as they always were.
//!
//! A value known only at apply time (an ARN, a region, a join of text and ARNs) is an
//! [`Input::Deferred`]: the deploy engine resolves it before the provider sees the
//! properties, so there every [`Input`] is [`Input::Known`].

use crate::graph::ResourceType;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// A type's properties: which resource type they belong to, and their JSON form.
pub trait ResourceProps: Serialize + DeserializeOwned + Send + Sync + 'static {
    const TYPE: ResourceType;

    /// The canonical JSON (keys sorted at every level) that plans and state hold.
    fn to_json(&self) -> Value {
        let mut value = serde_json::to_value(self).unwrap_or(Value::Null);
        crate::graph::canonicalize(&mut value);
        value
    }

    /// Reads properties back from their JSON form; an unknown or missing key is an error.
    fn from_json(value: &Value) -> Result<Self, serde_json::Error> {
        Self::deserialize(value)
    }
}

/// Whether `value` is a valid set of properties for `ty`; the error says which key is wrong.
pub fn validate(ty: ResourceType, value: &Value) -> Result<(), String> {
    round_trip(ty, value).map(|_| ())
}

/// `value` read as `ty`'s properties and written back as canonical JSON.
pub fn round_trip(ty: ResourceType, value: &Value) -> Result<Value, String> {
    (ty.descriptor().round_trip)(value).map_err(|e| e.to_string())
}

pub(crate) fn round_trip_as<P: ResourceProps>(value: &Value) -> Result<Value, serde_json::Error> {
    P::from_json(value).map(|p| p.to_json())
}

/// A value known now, or one resolved at apply time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Input<T> {
    Known(T),
    Deferred(Deferred),
}

/// A string input: text, or a reference, lookup or join.
pub type Text = Input<String>;

impl<T> Input<T> {
    /// The value, when it is known (always, once the engine has resolved the properties).
    pub fn known(&self) -> Option<&T> {
        match self {
            Input::Known(value) => Some(value),
            Input::Deferred(_) => None,
        }
    }
}

impl From<String> for Text {
    fn from(text: String) -> Text {
        Input::Known(text)
    }
}

impl From<&str> for Text {
    fn from(text: &str) -> Text {
        Input::Known(text.to_string())
    }
}

impl Text {
    /// A string as lowering builds one ([`crate::graph::join`], [`crate::graph::output_ref`]):
    /// `None` for JSON that is neither text nor a deferred value.
    pub fn from_json(value: Value) -> Option<Text> {
        serde_json::from_value(value).ok()
    }
}

/// The three forms of a value known only at apply time (see [`crate::graph`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Deferred {
    Output(OutputRef),
    Lookup(LookupRef),
    Join(JoinRef),
}

/// `{"$ref": node, "attr": attr}`: an output of another node.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputRef {
    #[serde(rename = "$ref")]
    pub node: String,
    pub attr: String,
}

/// `{"$lookup": name}`: a fact about the account.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LookupRef {
    #[serde(rename = "$lookup")]
    pub name: String,
}

/// `{"$join": [parts]}`: text and references run together.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JoinRef {
    #[serde(rename = "$join")]
    pub parts: Vec<Text>,
}

/// `infrac:project`, `infrac:stack`, `infrac:id`.
pub type Tags = BTreeMap<String, String>;

/// A folder of the project and the hash of its content (`null` when it could not be read).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContentRef {
    pub path: String,
    pub sha256: Option<String>,
}

macro_rules! props {
    ($name:ident => $ty:ident) => {
        impl ResourceProps for $name {
            const TYPE: ResourceType = ResourceType::$ty;
        }
    };
}

// ---- S3 ------------------------------------------------------------------------------------

/// `aws:s3:Bucket`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BucketProps {
    pub name: String,
    pub versioning: bool,
    pub force_destroy: bool,
    pub encryption: BucketEncryption,
    pub object_ownership: String,
    pub public_access_block: PublicAccessBlock,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifecycle: Option<Lifecycle>,
    pub tags: Tags,
}
props!(BucketProps => S3Bucket);

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BucketEncryption {
    pub sse_algorithm: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublicAccessBlock {
    pub block_public_acls: bool,
    pub block_public_policy: bool,
    pub ignore_public_acls: bool,
    pub restrict_public_buckets: bool,
}

impl PublicAccessBlock {
    /// Every switch on: nothing in the bucket can be made public.
    pub fn all() -> PublicAccessBlock {
        PublicAccessBlock {
            block_public_acls: true,
            block_public_policy: true,
            ignore_public_acls: true,
            restrict_public_buckets: true,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lifecycle {
    pub expire_after_days: u64,
}

/// `aws:s3:BucketNotification`: the bucket's whole notification configuration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BucketNotificationProps {
    pub bucket: String,
    pub eventbridge: bool,
    pub lambda_functions: Vec<LambdaNotification>,
}
props!(BucketNotificationProps => S3BucketNotification);

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LambdaNotification {
    pub id: String,
    pub events: Vec<String>,
    pub function_arn: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<KeyFilter>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyFilter {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suffix: Option<String>,
}

// ---- IAM -----------------------------------------------------------------------------------

/// `aws:iam:Role`, with its inline policies by name. Policy documents are JSON as IAM takes
/// it, with ARNs not yet known kept as references inside.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleProps {
    pub name: String,
    pub assume_role_policy: Value,
    pub policies: BTreeMap<String, Value>,
    pub tags: Tags,
}
props!(RoleProps => IamRole);

// ---- CloudWatch Logs -----------------------------------------------------------------------

/// `aws:logs:LogGroup`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogGroupProps {
    pub name: String,
    pub tags: Tags,
}
props!(LogGroupProps => LogGroup);

// ---- Lambda --------------------------------------------------------------------------------

/// `aws:lambda:Function`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FunctionProps {
    pub name: String,
    pub runtime: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handler: Option<String>,
    /// MiB.
    pub memory: u64,
    /// Seconds.
    pub timeout: u64,
    pub architectures: Vec<String>,
    pub role_arn: Text,
    pub code: ContentRef,
    pub logging: FunctionLogging,
    pub environment: BTreeMap<String, Text>,
    pub tags: Tags,
}
props!(FunctionProps => LambdaFunction);

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FunctionLogging {
    pub log_group: String,
}

/// `aws:lambda:Permission`: one statement of a function's resource policy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PermissionProps {
    pub statement_id: String,
    pub action: String,
    pub function_name: String,
    pub principal: String,
    pub source_arn: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_account: Option<Text>,
}
props!(PermissionProps => LambdaPermission);

// ---- ECS -----------------------------------------------------------------------------------

/// `aws:ecs:Cluster`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterProps {
    pub name: String,
    pub tags: Tags,
}
props!(ClusterProps => EcsCluster);

/// `aws:ecs:TaskDefinition`: a Fargate task definition of one container.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskDefinitionProps {
    pub family: String,
    pub cpu: i64,
    /// MiB.
    pub memory: u64,
    pub network_mode: String,
    pub requires_compatibilities: Vec<String>,
    pub runtime_platform: RuntimePlatform,
    pub execution_role_arn: Text,
    pub task_role_arn: Text,
    pub container_definitions: Vec<ContainerDefinition>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ephemeral_storage: Option<EphemeralStorage>,
    pub tags: Tags,
}
props!(TaskDefinitionProps => EcsTaskDefinition);

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuntimePlatform {
    pub cpu_architecture: String,
    pub operating_system_family: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EphemeralStorage {
    pub size_in_gib: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContainerDefinition {
    pub name: String,
    pub image: Text,
    pub essential: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<Text>>,
    pub environment: Vec<EnvironmentVariable>,
    /// Variables ECS fills from Parameter Store when the container starts (a program's
    /// `secret`s): the plan holds the parameter's ARN, never the value.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<ContainerSecret>,
    pub log_configuration: LogConfiguration,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContainerSecret {
    pub name: String,
    /// The SSM parameter's ARN.
    pub value_from: Text,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvironmentVariable {
    pub name: String,
    pub value: Text,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogConfiguration {
    pub log_driver: String,
    pub options: BTreeMap<String, Text>,
}

// ---- ECR -----------------------------------------------------------------------------------

/// `aws:ecr:Repository`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RepositoryProps {
    pub name: String,
    pub image_tag_mutability: String,
    pub scan_on_push: bool,
    /// Whether deleting the repository deletes the images in it.
    pub force_delete: bool,
    pub tags: Tags,
}
props!(RepositoryProps => EcrRepository);

/// `aws:ecr:Image`: an image built from a project folder and pushed under a content tag.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImageProps {
    pub repository: String,
    pub repository_url: Text,
    pub tag: String,
    pub platform: String,
    pub context: ContentRef,
    pub dockerfile: String,
}
props!(ImageProps => EcrImage);

// ---- EventBridge ---------------------------------------------------------------------------

/// `aws:events:Rule`, with its targets. A schedule rule has a `schedule_expression`, a rule on
/// events an `event_pattern`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleProps {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule_expression: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_pattern: Option<Value>,
    pub state: String,
    pub targets: Vec<RuleTarget>,
    pub tags: Tags,
}
props!(RuleProps => EventsRule);

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleTarget {
    pub id: String,
    pub arn: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ecs_parameters: Option<EcsParameters>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_transformer: Option<InputTransformer>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EcsParameters {
    pub task_definition_arn: Text,
    pub launch_type: String,
    pub task_count: i64,
    pub network_configuration: NetworkConfiguration,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkConfiguration {
    pub awsvpc_configuration: AwsVpcConfiguration,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AwsVpcConfiguration {
    /// The stack's subnets, or the default VPC's (looked up at deploy).
    pub subnets: Input<Vec<String>>,
    pub assign_public_ip: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_groups: Option<Vec<String>>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputTransformer {
    pub input_paths_map: BTreeMap<String, String>,
    pub input_template: Text,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn deferred_values_keep_their_json_form() {
        let cases = [
            json!("plain"),
            json!({"$ref": "f/role", "attr": "arn"}),
            json!({"$lookup": "aws.region"}),
            json!({"$join": ["arn:", {"$ref": "x", "attr": "arn"}, ":*"]}),
        ];
        for case in cases {
            let text: Text = serde_json::from_value(case.clone()).expect("reads");
            assert_eq!(serde_json::to_value(&text).expect("writes"), case);
        }
        assert!(serde_json::from_value::<Text>(json!({"$ref": "x"})).is_err());
        assert!(
            serde_json::from_value::<Text>(json!({"$ref": "x", "attr": "arn", "extra": 1}))
                .is_err()
        );
        assert_eq!(Text::from("a").known().map(String::as_str), Some("a"));
    }

    #[test]
    fn unknown_and_missing_keys_are_refused() {
        let good = json!({"name": "g", "tags": {"infrac:id": "f/logs"}});
        assert!(validate(ResourceType::LogGroup, &good).is_ok());
        let mut typo = good.clone();
        typo["tagz"] = json!({});
        let err = validate(ResourceType::LogGroup, &typo).expect_err("refused");
        assert!(err.contains("unknown field `tagz`"), "{err}");
        let err = validate(ResourceType::LogGroup, &json!({"name": "g"})).expect_err("refused");
        assert!(err.contains("missing field `tags`"), "{err}");
    }

    #[test]
    fn absent_options_are_left_out_and_unknown_hashes_are_null() {
        let f = FunctionProps {
            name: "p-dev-f".into(),
            runtime: "python3.12".into(),
            handler: None,
            memory: 128,
            timeout: 3,
            architectures: vec!["x86_64".into()],
            role_arn: Input::Deferred(Deferred::Output(OutputRef {
                node: "f/role".into(),
                attr: "arn".into(),
            })),
            code: ContentRef {
                path: "src".into(),
                sha256: None,
            },
            logging: FunctionLogging {
                log_group: "/aws/lambda/p-dev-f".into(),
            },
            environment: BTreeMap::new(),
            tags: Tags::new(),
        };
        let json = f.to_json();
        assert!(json.get("handler").is_none());
        assert_eq!(json["code"], json!({"path": "src", "sha256": null}));
        assert_eq!(FunctionProps::from_json(&json).expect("round trip"), f);
    }
}
