//! The Rust version the workspace declares (`rust-version`) is one that builds it: no locked
//! dependency asks for a newer compiler, and the README's install section names the same
//! version. A user on an older toolchain then gets cargo's plain "requires rustc X" instead of
//! a failure deep inside the AWS SDK.

use std::path::Path;
use std::process::Command;

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// `1.94.1` as `[1, 94, 1]`; a missing part counts as 0.
fn version(text: &str) -> [u64; 3] {
    let mut parts = [0; 3];
    for (slot, part) in parts.iter_mut().zip(text.split('.')) {
        *slot = part.parse().unwrap_or_else(|_| panic!("a version: {text}"));
    }
    parts
}

#[test]
fn the_declared_rust_version_builds_every_locked_dependency_and_the_readme_names_it() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let output = Command::new(cargo)
        .current_dir(root())
        .args(["metadata", "--format-version", "1", "--locked", "--offline"])
        .output()
        .expect("cargo metadata runs");
    assert!(
        output.status.success(),
        "cargo metadata: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    let packages = metadata["packages"].as_array().expect("packages");
    let ours: Vec<&serde_json::Value> = packages.iter().filter(|p| p["source"].is_null()).collect();
    assert!(ours.len() >= 5, "found the workspace's crates");
    let declared = ours[0]["rust_version"]
        .as_str()
        .expect("rust-version is set");
    for package in &ours {
        assert_eq!(
            package["rust_version"].as_str(),
            Some(declared),
            "{} inherits the workspace's rust-version",
            package["name"]
        );
    }
    let too_new: Vec<String> = packages
        .iter()
        .filter_map(|p| {
            let wanted = p["rust_version"].as_str()?;
            (version(wanted) > version(declared)).then(|| format!("{} wants {wanted}", p["name"]))
        })
        .collect();
    assert!(
        too_new.is_empty(),
        "rust-version = {declared:?}, but: {}",
        too_new.join(", ")
    );

    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    assert!(
        readme.contains(&format!("a Rust toolchain of {declared} or newer")),
        "README.md's install section names rust-version {declared}"
    );
}
