#!/usr/bin/env python3
"""Checks the deploy files for what must stay true of them; prints each violation, exits 1 if any.

Usage: check_deploy_files.py [REPO_ROOT]   (default: the repository this script lives in)

- every YAML and JSON deploy file parses;
- every third-party action is pinned to a full commit SHA, with its version in a comment;
- every FROM of the Dockerfile is scratch, an earlier stage, or pinned by digest (also through
  an ARG default);
- the production manifests (ECS task definition, Kubernetes manifests) allow no CORS origin by
  default, verify the database's certificate against the CA bundle the image carries, deploy no
  `latest` tag, give quill longer to stop than its shutdown can take, and run nothing in the
  container but quill, in health checks and hooks alike (the image holds nothing else).
"""
import json
import pathlib
import re
import sys

import yaml

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).parent.parent)
errors = []

# After SIGTERM quill drains requests for SHUTDOWN_GRACE_SECS, then waits up to this long for the
# database pool to close (src/startup.rs).
POOL_CLOSE_SECS = 5
DEFAULT_SHUTDOWN_GRACE_SECS = 20


def fail(path, message):
    errors.append(f"{path.relative_to(root)}: {message}")


def load_yaml(path):
    try:
        return [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]
    except yaml.YAMLError as e:
        fail(path, f"does not parse as YAML: {e}")
        return []


workflows = sorted((root / ".github/workflows").glob("*.yml"))
k8s_files = sorted((root / "deploy/k8s").glob("*.yaml"))
for path in [*workflows, *k8s_files]:
    load_yaml(path)
compose_path = root / "docker-compose.yml"
compose = (load_yaml(compose_path) or [{}])[0]

ecs_path = root / "deploy/ecs/task-definition.json"
try:
    ecs = json.loads(ecs_path.read_text())
except json.JSONDecodeError as e:
    fail(ecs_path, f"does not parse as JSON: {e}")
    ecs = {"containerDefinitions": [{}]}

# A tag can be moved to other code; a commit SHA cannot. The comment says which release it is.
PINNED_ACTION = re.compile(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}\s+#\s*\S.*")
for path in workflows:
    for n, line in enumerate(path.read_text().splitlines(), 1):
        m = re.match(r"\s*(?:-\s+)?uses:\s*(.*)$", line)
        uses = m.group(1).strip() if m else "./"
        if not uses.startswith("./") and not PINNED_ACTION.fullmatch(uses):
            fail(path, f"line {n}: `{uses}` is not pinned as owner/repo@<40-hex SHA> # vX.Y.Z")

dockerfile = root / "Dockerfile"
args, stages = {}, set()
for n, line in enumerate(dockerfile.read_text().splitlines(), 1):
    if m := re.match(r"ARG\s+(\w+)=(\S+)", line):
        args.setdefault(m.group(1), m.group(2))
    if m := re.match(r"FROM\s+(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?", line, re.IGNORECASE):
        image = re.sub(r"\$\{?(\w+)\}?", lambda v: args.get(v.group(1), v.group(0)), m.group(1))
        pinned = re.search(r"@sha256:[0-9a-f]{64}$", image)
        if not (image == "scratch" or image in stages or pinned):
            fail(dockerfile, f"line {n}: FROM {image} is not pinned by digest (@sha256:...)")
        if m.group(2):
            stages.add(m.group(2))
image_ca = re.search(r"PGSSLROOTCERT=(\S+)", dockerfile.read_text())
image_ca = image_ca.group(1) if image_ca else None
if image_ca is None:
    fail(dockerfile, "sets no PGSSLROOTCERT for the CA bundle it installs")


def check_production_env(path, env):
    """The settings both production manifests must agree on; returns SHUTDOWN_GRACE_SECS."""
    if "*" in env.get("CORS_ORIGINS", ""):
        fail(path, "CORS_ORIGINS allows every origin: leave it unset (none) or list the front "
                   "end's origins")
    if env.get("DB_SSLMODE") != "verify-full":
        fail(path, f"DB_SSLMODE is {env.get('DB_SSLMODE')!r}, not verify-full")
    if env.get("PGSSLROOTCERT") != image_ca:
        fail(path, f"PGSSLROOTCERT is {env.get('PGSSLROOTCERT')!r}, not the image's CA bundle "
                   f"{image_ca}")
    return int(env.get("SHUTDOWN_GRACE_SECS", DEFAULT_SHUTDOWN_GRACE_SECS))


container = ecs["containerDefinitions"][0]
ecs_env = {e["name"]: e["value"] for e in container.get("environment", [])}
grace = check_production_env(ecs_path, ecs_env)
# ECS sends SIGTERM once the load balancer has drained the task, then SIGKILL after stopTimeout.
if container.get("stopTimeout", 30) <= grace + POOL_CLOSE_SECS:
    fail(ecs_path, f"stopTimeout {container.get('stopTimeout', 30)} s must exceed "
                   f"SHUTDOWN_GRACE_SECS {grace} + pool close {POOL_CLOSE_SECS} s")
if re.search(r":latest$", container.get("image", "")):
    fail(ecs_path, "deploys the `latest` tag")
# CMD-SHELL, or any program but quill, cannot run in an image without a shell.
if container.get("healthCheck", {}).get("command", [])[:2] != ["CMD", "quill"]:
    fail(ecs_path, 'healthCheck must be ["CMD", "quill", "healthcheck"]')
health_test = compose.get("services", {}).get("quill", {}).get("healthcheck", {}).get("test", [])
if health_test[:2] != ["CMD", "quill"]:
    fail(compose_path, 'the quill service\'s healthcheck must be ["CMD", "quill", "healthcheck"]')

k8s = {doc["kind"]: doc for path in k8s_files for doc in load_yaml(path) if isinstance(doc, dict)}
configmap = root / "deploy/k8s/configmap.yaml"
grace = check_production_env(configmap, k8s.get("ConfigMap", {}).get("data", {}))
for image in k8s.get("Kustomization", {}).get("images", []):
    if image.get("newTag", "latest") == "latest" and "digest" not in image:
        fail(root / "deploy/k8s/kustomization.yaml",
             f"image {image.get('name')} deploys the `latest` tag")
deployment = root / "deploy/k8s/deployment.yaml"
pod = k8s.get("Deployment", {}).get("spec", {}).get("template", {}).get("spec", {})
for c in pod.get("containers", []):
    if c.get("image", "").endswith(":latest"):
        fail(deployment, f"container {c.get('name')} deploys the `latest` tag")
    pre_stop = c.get("lifecycle", {}).get("preStop", {})
    command = pre_stop.get("exec", {}).get("command", [])
    if command[:1] not in ([], ["quill"]):
        fail(deployment, f"preStop runs {command[0]!r}: the image holds no program but quill")
    if command[:1] == ["sleep"]:
        sleep = int(command[-1])
    else:
        sleep = int(pre_stop.get("sleep", {}).get("seconds", 0))
    # The grace period starts before preStop runs; SIGTERM comes only after it.
    needed = sleep + grace + POOL_CLOSE_SECS
    period = pod.get("terminationGracePeriodSeconds", 30)
    if period <= needed:
        fail(deployment, f"terminationGracePeriodSeconds {period} must exceed preStop {sleep} + "
                         f"SHUTDOWN_GRACE_SECS {grace} + pool close {POOL_CLOSE_SECS} = {needed} s")

for e in errors:
    print(f"FAIL: {e}", file=sys.stderr)
if errors:
    sys.exit(1)
print("deploy files: parse; actions pinned by SHA; base images by digest; production CORS, TLS, "
      "image tags, stop timeouts and container commands as required")
