//! The one EC2 call infrac makes, `DescribeSubnets` of the default VPC, sent as a signed
//! Query request on the same HTTP stack as the SDK: the EC2 SDK crate is the largest of all
//! and would double the build for one read.

use crate::error::invalid;
use aws_config::SdkConfig;
use aws_credential_types::provider::ProvideCredentials;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use infrac_deploy::{ErrorKind, ProviderError};
use std::time::{Duration, SystemTime};

const OPERATION: &str = "ec2:DescribeSubnets";
const BODY: &str =
    "Action=DescribeSubnets&Version=2016-11-15&Filter.1.Name=default-for-az&Filter.1.Value.1=true";

fn endpoint(config: &SdkConfig, region: &str) -> String {
    std::env::var("AWS_ENDPOINT_URL_EC2")
        .ok()
        .filter(|v| !v.is_empty())
        .or_else(|| config.endpoint_url().map(str::to_string))
        .unwrap_or_else(|| format!("https://ec2.{region}.amazonaws.com"))
}

/// The ids of the default VPC's default subnets (one per availability zone), sorted.
pub async fn default_subnets(config: &SdkConfig) -> Result<Vec<String>, ProviderError> {
    let region = config
        .region()
        .map(ToString::to_string)
        .ok_or_else(|| invalid(OPERATION, "no region is configured"))?;
    let url = format!("{}/", endpoint(config, &region).trim_end_matches('/'));
    let mut pause = Duration::from_millis(300);
    let mut attempt = 0;
    loop {
        attempt += 1;
        match send(config, &region, &url).await {
            Err(err) if err.kind == ErrorKind::Transient && attempt < 5 => {
                tokio::time::sleep(pause).await;
                pause *= 2;
            }
            Err(err) => return Err(err),
            Ok(text) => {
                let mut ids = elements(&text, "subnetId");
                ids.sort();
                ids.dedup();
                if ids.is_empty() {
                    return Err(invalid(OPERATION, "the region has no default VPC subnets").with_hint(
                        "name the subnets tasks run in with `[network] subnets = [...]` in infra.toml",
                    ));
                }
                return Ok(ids);
            }
        }
    }
}

async fn send(config: &SdkConfig, region: &str, url: &str) -> Result<String, ProviderError> {
    use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
    let credentials = config
        .credentials_provider()
        .ok_or_else(|| invalid(OPERATION, "no AWS credentials are configured"))?
        .provide_credentials()
        .await
        .map_err(|e| {
            invalid(OPERATION, format!("no AWS credentials: {e}")).with_hint(
                "set AWS_PROFILE or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run `aws configure`",
            )
        })?;
    let identity = credentials.into();
    let params = aws_sigv4::sign::v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name("ec2")
        .time(SystemTime::now())
        .settings(SigningSettings::default())
        .build()
        .map_err(|e| invalid(OPERATION, e.to_string()))?
        .into();
    let content_type = "application/x-www-form-urlencoded; charset=utf-8";
    let headers = [("content-type", content_type)];
    let signable = SignableRequest::new(
        "POST",
        url,
        headers.into_iter(),
        SignableBody::Bytes(BODY.as_bytes()),
    )
    .map_err(|e| invalid(OPERATION, e.to_string()))?;
    let (instructions, _) = sign(signable, &params)
        .map_err(|e| invalid(OPERATION, e.to_string()))?
        .into_parts();
    let mut request = http::Request::builder()
        .method("POST")
        .uri(url)
        .header("content-type", content_type)
        .body(Full::new(Bytes::from_static(BODY.as_bytes())))
        .map_err(|e| invalid(OPERATION, e.to_string()))?;
    instructions.apply_to_request_http1x(&mut request);
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_provider_and_native_roots(rustls::crypto::ring::default_provider())
        .map_err(|e| invalid(OPERATION, format!("no TLS roots: {e}")))?
        .https_or_http()
        .enable_http1()
        .build();
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build::<_, Full<Bytes>>(https);
    let response = tokio::time::timeout(Duration::from_secs(30), client.request(request))
        .await
        .map_err(|_| transient("no answer in 30 seconds"))?
        .map_err(|e| transient(&format!("could not reach AWS: {e}")))?;
    let status = response.status().as_u16();
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|e| transient(&e.to_string()))?
        .to_bytes();
    let text = String::from_utf8_lossy(&body).into_owned();
    if (200..300).contains(&status) {
        return Ok(text);
    }
    let code = elements(&text, "Code")
        .into_iter()
        .next()
        .unwrap_or_else(|| format!("HTTP {status}"));
    let message = elements(&text, "Message")
        .into_iter()
        .next()
        .unwrap_or_default();
    let kind = if status == 429
        || status >= 500
        || code.contains("Throttl")
        || code == "RequestLimitExceeded"
    {
        ErrorKind::Transient
    } else {
        ErrorKind::Other
    };
    Err(ProviderError::new(kind, OPERATION, message).with_code(code))
}

fn transient(message: &str) -> ProviderError {
    ProviderError::new(ErrorKind::Transient, OPERATION, message).with_hint(
        "check the network, the region, and AWS_ENDPOINT_URL if one is set; then run again",
    )
}

/// The text of every `<name>…</name>` element (EC2's answers are flat enough for this).
fn elements(xml: &str, name: &str) -> Vec<String> {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(start) = rest.find(&open) {
        let after = &rest[start + open.len()..];
        let Some(end) = after.find(&close) else { break };
        out.push(after[..end].trim().to_string());
        rest = &after[end + close.len()..];
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_elements() {
        let xml = "<r><subnetSet><item><subnetId>subnet-1</subnetId></item><item><subnetId>subnet-2</subnetId></item></subnetSet></r>";
        assert_eq!(
            super::elements(xml, "subnetId"),
            vec!["subnet-1", "subnet-2"]
        );
    }
}
