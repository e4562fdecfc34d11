//! The deployment files are valid and say what quill needs.

use serde_json::Value;

fn read(path: &str) -> String {
    std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR")))
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn yaml_docs(path: &str) -> Vec<serde_yaml::Value> {
    use serde::Deserialize;
    serde_yaml::Deserializer::from_str(&read(path))
        .map(|doc| serde_yaml::Value::deserialize(doc).unwrap_or_else(|e| panic!("{path}: {e}")))
        .collect()
}

#[test]
fn ecs_task_definition_is_valid_and_complete() {
    let task: Value =
        serde_json::from_str(&read("deploy/ecs/task-definition.json")).expect("valid JSON");
    let container = task["containerDefinitions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "quill")
        .expect("a container named quill");
    assert_eq!(container["portMappings"][0]["containerPort"], 8080);
    assert!(
        container["healthCheck"]["command"]
            .to_string()
            .contains("healthcheck")
    );
    assert_eq!(container["logConfiguration"]["logDriver"], "awslogs");
    let secrets: Vec<&str> = container["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert!(
        secrets.contains(&"JWT_SECRET") && secrets.contains(&"DB_PASSWORD"),
        "{secrets:?}"
    );
    let env = container["environment"].to_string();
    assert!(
        !env.contains("JWT_SECRET") && !env.contains("DB_PASSWORD"),
        "secrets only via `secrets`"
    );
}

#[test]
fn kubernetes_manifests_are_valid_yaml_with_probes() {
    let dir = format!("{}/deploy/k8s", env!("CARGO_MANIFEST_DIR"));
    let mut kinds = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            let rel = format!("deploy/k8s/{}", path.file_name().unwrap().to_str().unwrap());
            for doc in yaml_docs(&rel) {
                if let Some(kind) = doc.get("kind").and_then(|k| k.as_str()) {
                    kinds.push(kind.to_string());
                    if kind == "Deployment" {
                        let spec = &doc["spec"]["template"]["spec"];
                        assert!(spec["terminationGracePeriodSeconds"].as_u64().is_some());
                        let c = &spec["containers"][0];
                        assert_eq!(
                            c["livenessProbe"]["httpGet"]["path"].as_str(),
                            Some("/healthz")
                        );
                        assert_eq!(
                            c["readinessProbe"]["httpGet"]["path"].as_str(),
                            Some("/readyz")
                        );
                        assert!(c["lifecycle"]["preStop"].is_mapping());
                    }
                }
            }
        }
    }
    for expected in ["Deployment", "Service", "HorizontalPodAutoscaler"] {
        assert!(
            kinds.iter().any(|k| k == expected),
            "no {expected} in {kinds:?}"
        );
    }
}

#[test]
fn compose_and_workflows_are_valid_yaml() {
    for path in [
        "docker-compose.yml",
        ".github/workflows/ci.yml",
        ".github/workflows/deploy.yml",
    ] {
        let docs = yaml_docs(path);
        assert_eq!(docs.len(), 1, "{path}");
    }
    let deploy = read(".github/workflows/deploy.yml");
    assert!(
        deploy.contains("id-token: write"),
        "OIDC, no long-lived keys"
    );
    assert!(!deploy.contains("aws-secret-access-key"));
}

#[test]
fn dockerfile_bakes_in_no_secrets() {
    let dockerfile = read("Dockerfile");
    for line in dockerfile.lines().map(str::trim) {
        if line.starts_with("ARG") || line.starts_with("ENV") {
            for secret in ["JWT_SECRET", "DB_PASSWORD", "DATABASE_URL"] {
                assert!(!line.contains(secret), "secret in the image: {line}");
            }
        }
    }
    assert!(dockerfile.contains("HEALTHCHECK") && dockerfile.contains("USER"));
}
