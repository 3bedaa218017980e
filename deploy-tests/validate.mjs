// Validates every Kubernetes document Scout ships: keda/, kcl/rendered/ and the sample CRs in tests/.
//   - core kinds against kubernetes-models, KEDA kinds against @kubernetes-models/keda, HTTPRoute against
//     @kubernetes-models/gateway-api, PodMonitor and PrometheusRule against @kubernetes-models/prometheus-operator,
//     ScoutProfile against the CRD's openAPIV3Schema (ajv); unknown kinds fail;
//   - the monitoring (keda/components/monitoring, the KCL option `monitoring`): a PodMonitor that scrapes every
//     Scout pod, a PrometheusRule equal to monitoring/scout-alerts.rules.yaml, the dashboard of
//     monitoring/scout-dashboard.json unchanged in a ConfigMap labelled for the Grafana sidecar;
//   - Scout's own invariants the schemas cannot see (they accept unknown fields): hardened pods, probes,
//     secrets only by reference, the http/timers split, references between documents, least-privilege RBAC;
//   - tests/kcl-deploy-profile.yaml (a KCL settings file, not a manifest) against its own schema, and the
//     rendered copy in kcl/rendered against the values it sets;
//   - a negative self-check: deliberately broken documents must fail.
// Prints one line per file and a summary; exits 1 on any failure.
import { readFileSync, readdirSync, statSync, existsSync, mkdtempSync, writeFileSync, rmSync, cpSync } from "node:fs";
import { join, relative, dirname, resolve } from "node:path";
import { tmpdir } from "node:os";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual } from "node:util";
import { parseAllDocuments, parseDocument, stringify } from "yaml";
import Ajv from "ajv";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const KCL_PROFILE = "tests/kcl-deploy-profile.yaml";
const RENDERED = "kcl/rendered/homerun2-scout.yaml";
const FUNCTIONS = {
  timers: ["AggregateAnalytics", "EvaluateAlerts", "PruneRetention"],
  analytics: ["AnalyticsSummary", "AnalyticsSystems", "AnalyticsAlerts", "AnalyticsTimeline"],
  service: ["Health", "Ready", "Metrics", "Index", "StatusScript", "StatusStyle"],
};
const ALL_FUNCTIONS = [...FUNCTIONS.timers, ...FUNCTIONS.analytics, ...FUNCTIONS.service];
const SECRET_VARIABLES = ["AUTH_TOKEN", "REDIS_PASSWORD", "ALERT_PITCHER_TOKEN", "AzureWebJobsStorage"];
// Schedules the Azure Functions host accepts: NCRONTAB with seconds (six fields) or a TimeSpan hh:mm:ss.
const HOST_SCHEDULE = /^(\S+\s+){5}\S+$|^\d{1,2}:\d{2}:\d{2}$/;
const SCOUT_GROUP = "homerun2.stuttgart-things.com";

// ---------- reading ----------

function yamlFiles(dir) {
  const full = join(root, dir);
  if (!existsSync(full)) return [];
  return readdirSync(full).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(root, path)).isDirectory()) return yamlFiles(path);
    return /\.ya?ml$/.test(name) ? [path] : [];
  });
}

function parseDocs(text, source) {
  return parseAllDocuments(text, { uniqueKeys: true }).flatMap((doc, index) => {
    const errors = [...doc.errors, ...doc.warnings].map((e) => e.message);
    const value = doc.toJS();
    if (value === null && errors.length === 0) return []; // an empty document, e.g. after a trailing ---
    return [{ source, index, value, errors }];
  });
}

// ---------- schema validation ----------

const MODEL_PACKAGES = {
  "keda.sh": "@kubernetes-models/keda/keda.sh",
  "gateway.networking.k8s.io": "@kubernetes-models/gateway-api/gateway.networking.k8s.io",
  "monitoring.coreos.com": "@kubernetes-models/prometheus-operator/monitoring.coreos.com",
};
const KUSTOMIZE = new Set(["kustomize.config.k8s.io/v1beta1 Kustomization", "kustomize.config.k8s.io/v1alpha1 Component"]);

async function modelFor(apiVersion, kind) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  const path = MODEL_PACKAGES[group] ? `${MODEL_PACKAGES[group]}/${version}`
    : group === "" ? `kubernetes-models/${version}` : `kubernetes-models/${group}/${version}`;
  let module;
  try {
    module = await import(path);
  } catch {
    return null;
  }
  const Model = module[kind];
  // Only resource classes carry their own apiVersion and kind (not nested types such as Condition).
  return Model && Model.apiVersion === apiVersion && Model.kind === kind ? Model : null;
}

function scoutProfileValidator(crd) {
  const version = crd.spec.versions.find((v) => v.served && v.storage);
  const ajv = new Ajv({ allErrors: true, strict: false });
  // Kubernetes' structural-schema extensions carry no validation ajv needs to know.
  for (const keyword of ["x-kubernetes-preserve-unknown-fields", "x-kubernetes-int-or-string", "x-kubernetes-embedded-resource", "x-kubernetes-list-type", "x-kubernetes-list-map-keys"]) ajv.addKeyword(keyword);
  return ajv.compile(version.schema.openAPIV3Schema);
}

async function validateSchema(doc, context) {
  const { apiVersion, kind } = doc ?? {};
  if (typeof apiVersion !== "string" || typeof kind !== "string") return ["no apiVersion/kind"];
  if (KUSTOMIZE.has(`${apiVersion} ${kind}`)) return []; // checked by checkKustomizations
  if (apiVersion.startsWith(`${SCOUT_GROUP}/`)) {
    if (kind !== "ScoutProfile" || apiVersion !== `${SCOUT_GROUP}/v1alpha1`) return [`unknown kind ${apiVersion} ${kind}`];
    const errors = [];
    if (!doc.metadata?.name) errors.push("metadata.name is required");
    if (!context.scoutProfile(doc)) errors.push(...context.scoutProfile.errors.map((e) => `${e.instancePath || "/"} ${e.message}`));
    return errors;
  }
  const Model = await modelFor(apiVersion, kind);
  if (!Model) return [`unknown kind ${apiVersion} ${kind}: no schema to validate it against`];
  try {
    new Model(doc).validate();
    return [];
  } catch (error) {
    return [error.message];
  }
}

// ---------- Scout's invariants ----------

const envOf = (container) => Object.fromEntries((container.env ?? []).map((e) => [e.name, e]));

function checkDeployment(doc, all) {
  const errors = [];
  const name = doc.metadata?.name;
  const pod = doc.spec?.template?.spec ?? {};
  const podSecurity = pod.securityContext ?? {};
  if (podSecurity.runAsNonRoot !== true) errors.push("pod securityContext.runAsNonRoot must be true");
  if (podSecurity.runAsUser === 0) errors.push("pod securityContext.runAsUser must not be 0");
  if (podSecurity.seccompProfile?.type !== "RuntimeDefault") errors.push("pod seccompProfile must be RuntimeDefault");
  const annotations = doc.spec?.template?.metadata?.annotations ?? {};
  if (annotations["prometheus.io/scrape"] !== "true" || annotations["prometheus.io/port"] !== "8080" || annotations["prometheus.io/path"] !== "/metrics")
    errors.push("pod template needs prometheus.io/scrape \"true\", port \"8080\", path /metrics");
  const emptyDirs = new Set((pod.volumes ?? []).filter((v) => v.emptyDir).map((v) => v.name));
  const containers = pod.containers ?? [];
  if (containers.length !== 1) errors.push("expected exactly one container");
  for (const c of containers) {
    const at = `container ${c.name}`;
    const security = c.securityContext ?? {};
    if (security.readOnlyRootFilesystem !== true) errors.push(`${at}: readOnlyRootFilesystem must be true`);
    if (security.allowPrivilegeEscalation !== false) errors.push(`${at}: allowPrivilegeEscalation must be false`);
    if (!(security.capabilities?.drop ?? []).includes("ALL")) errors.push(`${at}: capabilities must drop ALL`);
    if (!(c.volumeMounts ?? []).some((m) => m.mountPath === "/tmp" && emptyDirs.has(m.name))) errors.push(`${at}: /tmp must be an emptyDir mount`);
    if (!(c.ports ?? []).some((p) => p.name === "http" && p.containerPort === 8080)) errors.push(`${at}: needs port http 8080`);
    if (c.livenessProbe?.httpGet?.path !== "/health" || c.livenessProbe?.httpGet?.port !== "http") errors.push(`${at}: liveness probe must GET /health on http`);
    if (c.readinessProbe?.httpGet?.path !== "/health/ready" || c.readinessProbe?.httpGet?.port !== "http") errors.push(`${at}: readiness probe must GET /health/ready on http`);
    if (!/:[^:/]+$/.test(c.image ?? "") || /:latest$/.test(c.image)) errors.push(`${at}: image ${c.image} must be pinned to a tag other than latest`);
    if (!c.resources?.requests?.cpu || !c.resources?.limits?.memory) errors.push(`${at}: needs cpu requests and memory limits`);
    const env = envOf(c);
    if (env.PORT?.value !== "8080") errors.push(`${at}: PORT must be "8080"`);
    if (env.POD_NAMESPACE?.valueFrom?.fieldRef?.fieldPath !== "metadata.namespace") errors.push(`${at}: POD_NAMESPACE must come from metadata.namespace`);
    for (const variable of SECRET_VARIABLES)
      if (env[variable] && !env[variable].valueFrom?.secretKeyRef) errors.push(`${at}: ${variable} must come from a secretKeyRef, never a literal value`);
    const disabled = Object.keys(env).filter((n) => /^AzureWebJobs[._]/.test(n));
    for (const variable of disabled) {
      const match = /^AzureWebJobs(?:\.|__)(\w+)(?:\.|__)Disabled$/.exec(variable);
      if (!match || !ALL_FUNCTIONS.includes(match[1])) errors.push(`${at}: ${variable} names no Scout function`);
      else if (env[variable].value !== "true") errors.push(`${at}: ${variable} must be "true"`);
      if (match && ["Health", "Ready"].includes(match[1])) errors.push(`${at}: ${match[1]} serves the probes and must stay enabled`);
    }
    for (const from of c.envFrom ?? []) {
      const ref = from.configMapRef?.name;
      if (ref && !all.some((d) => d.kind === "ConfigMap" && d.metadata?.name === ref)) errors.push(`${at}: envFrom ConfigMap ${ref} is not among the manifests`);
    }
  }
  const account = pod.serviceAccountName;
  if (!account || !all.some((d) => d.kind === "ServiceAccount" && d.metadata?.name === account)) errors.push(`serviceAccountName ${account} is not among the manifests`);
  const selector = doc.spec?.selector?.matchLabels ?? {};
  const labels = doc.spec?.template?.metadata?.labels ?? {};
  if (Object.keys(selector).length === 0 || Object.entries(selector).some(([k, v]) => labels[k] !== v)) errors.push("selector must match the pod template's labels");
  return errors.map((e) => `Deployment ${name}: ${e}`);
}

function disabledFunctions(deployment) {
  const env = envOf(deployment.spec.template.spec.containers[0]);
  return ALL_FUNCTIONS.filter((f) => env[`AzureWebJobs.${f}.Disabled`]?.value === "true" || env[`AzureWebJobs__${f}__Disabled`]?.value === "true").sort();
}

function checkSplit(all) {
  // keda/: the same image as HTTP-only and timers-only pods.
  const errors = [];
  const http = all.find((d) => d.kind === "Deployment" && d.metadata?.name === "scout-http");
  const timers = all.find((d) => d.kind === "Deployment" && d.metadata?.name === "scout-timers");
  if (!http || !timers) return ["keda/ needs Deployments scout-http and scout-timers"];
  // Redis Stack shares the namespace: `kubectl delete -k keda/` must never take it down.
  if (all.some((d) => d.kind === "Namespace")) errors.push("keda/ must not manage the Namespace");
  if (!isDeepStrictEqual(disabledFunctions(http), [...FUNCTIONS.timers].sort())) errors.push(`scout-http must disable exactly the timer functions, disables ${disabledFunctions(http)}`);
  if (!isDeepStrictEqual(disabledFunctions(timers), [...FUNCTIONS.analytics].sort())) errors.push(`scout-timers must disable exactly the analytics functions, disables ${disabledFunctions(timers)}`);
  if (http.spec.template.spec.containers[0].image !== timers.spec.template.spec.containers[0].image) errors.push("scout-http and scout-timers must run the same image");
  const service = all.find((d) => d.kind === "Service");
  const selector = service?.spec?.selector ?? {};
  const selects = (d) => Object.entries(selector).every(([k, v]) => d.spec.template.metadata.labels[k] === v);
  if (!service || !selects(http) || selects(timers)) errors.push("the Service must select the scout-http pods and not the scout-timers pods");
  for (const [deployment, needsPrometheus] of [[http, true], [timers, false]]) {
    const scaled = all.find((d) => d.kind === "ScaledObject" && d.spec?.scaleTargetRef?.name === deployment.metadata.name);
    if (!scaled) { errors.push(`no ScaledObject scales ${deployment.metadata.name}`); continue; }
    if (!(scaled.spec.minReplicaCount >= 1)) errors.push(`ScaledObject ${scaled.metadata.name}: minReplicaCount must be at least 1`);
    if (needsPrometheus && !scaled.spec.triggers.some((t) => t.type === "prometheus" && t.metadata?.query && t.metadata?.threshold))
      errors.push(`ScaledObject ${scaled.metadata.name}: needs a prometheus trigger with query and threshold`);
  }
  return errors;
}

function checkReferences(all) {
  const errors = [];
  const secretRefs = all.filter((d) => d.kind === "Deployment").flatMap((d) => d.spec.template.spec.containers.flatMap((c) => (c.env ?? []).map((e) => e.valueFrom?.secretKeyRef).filter(Boolean)));
  // A Secret mounted whole (TLS files) lends every key; one mounted with items, the listed ones.
  const mounted = all.filter((d) => d.kind === "Deployment").flatMap((d) => (d.spec.template.spec.volumes ?? []).map((v) => v.secret).filter(Boolean));
  const podsUse = (ref) => secretRefs.some((s) => s.name === ref.name && s.key === ref.key)
    || mounted.some((m) => m.secretName === ref.name && (!m.items || m.items.some((i) => i.key === ref.key)));
  for (const d of all) {
    const what = `${d.kind} ${d.metadata?.name}`;
    if (d.kind === "Secret") errors.push(`${what}: secret values must not be committed; the operator creates the Secret`);
    if (d.kind === "ScaledObject") {
      const target = d.spec.scaleTargetRef;
      if (!all.some((x) => x.kind === (target.kind ?? "Deployment") && x.metadata?.name === target.name)) errors.push(`${what}: scales ${target.name}, which is not among the manifests`);
      for (const t of d.spec.triggers ?? [])
        if (t.authenticationRef && !all.some((x) => x.kind === "TriggerAuthentication" && x.metadata?.name === t.authenticationRef.name))
          errors.push(`${what}: trigger ${t.type} uses TriggerAuthentication ${t.authenticationRef.name}, which is not among the manifests`);
    }
    if (d.kind === "TriggerAuthentication")
      for (const ref of d.spec.secretTargetRef ?? [])
        if (!podsUse(ref)) errors.push(`${what}: reads ${ref.name}/${ref.key}, a key the pods do not use`);
    if (d.kind === "RoleBinding") {
      if (!all.some((x) => x.kind === d.roleRef.kind && x.metadata?.name === d.roleRef.name)) errors.push(`${what}: binds ${d.roleRef.kind} ${d.roleRef.name}, which is not among the manifests`);
      for (const s of d.subjects ?? [])
        if (s.kind === "ServiceAccount" && !all.some((x) => x.kind === "ServiceAccount" && x.metadata?.name === s.name)) errors.push(`${what}: binds ServiceAccount ${s.name}, which is not among the manifests`);
    }
    if (d.kind === "Role") {
      for (const rule of d.rules ?? []) {
        const groups = rule.apiGroups ?? [];
        const scout = isDeepStrictEqual(groups, [SCOUT_GROUP]) && isDeepStrictEqual(rule.resources, ["scoutprofiles"]) && isDeepStrictEqual([...rule.verbs].sort(), ["get", "list", "watch"]);
        const secret = isDeepStrictEqual(groups, [""]) && isDeepStrictEqual(rule.resources, ["secrets"]) && isDeepStrictEqual(rule.verbs, ["get"]) && rule.resourceNames?.length === 1;
        if (!scout && !secret) errors.push(`${what}: rule ${JSON.stringify(rule)} grants more than get/list/watch on scoutprofiles or get on one named secret`);
      }
    }
    if (d.kind === "CustomResourceDefinition" || d.kind === "ClusterRole" || d.kind === "ClusterRoleBinding" || d.kind === "Namespace") continue;
  }
  return errors;
}

function checkFunctionsHost(all) {
  // keda/components/functions-host: both Deployments on the Functions host image, with the same split, timer
  // state in AzureWebJobsStorage under one host id, and every schedule setting in a form the host accepts.
  const errors = checkSplit(all);
  for (const name of ["scout-http", "scout-timers"]) {
    const deployment = all.find((d) => d.kind === "Deployment" && d.metadata?.name === name);
    const container = deployment?.spec.template.spec.containers[0];
    if (!container) { errors.push(`${name}: missing`); continue; }
    const env = envOf(container);
    if (!/\/homerun2-scout-functions:[^:/]+$/.test(container.image)) errors.push(`${name}: runs ${container.image}, not the Functions host image`);
    if (!env.AzureWebJobsStorage?.valueFrom?.secretKeyRef) errors.push(`${name}: AzureWebJobsStorage must come from a Secret`);
    if (!env.AzureFunctionsWebHost__hostid?.value) errors.push(`${name}: needs AzureFunctionsWebHost__hostid, shared by both Deployments`);
    for (const setting of ["SCOUT_INTERVAL", "ALERT_SCHEDULE", "SCOUT_RETENTION_SCHEDULE"])
      if (!HOST_SCHEDULE.test(env[setting]?.value ?? "")) errors.push(`${name}: ${setting} "${env[setting]?.value ?? ""}" is not a schedule the Functions host accepts (NCRONTAB or hh:mm:ss)`);
  }
  const ids = ["scout-http", "scout-timers"].map((n) => envOf(all.find((d) => d.kind === "Deployment" && d.metadata?.name === n)?.spec.template.spec.containers[0] ?? {}).AzureFunctionsWebHost__hostid?.value);
  if (ids[0] !== ids[1]) errors.push(`the Deployments must share one host id, have ${ids.join(" and ")}`);
  return errors;
}

function checkRedisAccess(all, { tls, mtls }) {
  // Both Deployments log in as the ACL user of the Secret; with components/redis-tls they trust the mounted CA, with
  // components/redis-mtls they also present the mounted client certificate, and KEDA's stream trigger does the same.
  const errors = [];
  const TLS_DIR = "/etc/scout/redis-tls/";
  for (const name of ["scout-http", "scout-timers"]) {
    const deployment = all.find((d) => d.kind === "Deployment" && d.metadata?.name === name);
    const container = deployment?.spec.template.spec.containers[0];
    if (!container) continue;
    const env = envOf(container);
    if (env.REDIS_USERNAME?.valueFrom?.secretKeyRef?.key !== "redis-username") errors.push(`${name}: REDIS_USERNAME must come from the Secret's redis-username key`);
    const files = { REDIS_TLS_CA_FILE: "ca.crt", ...(mtls ? { REDIS_TLS_CERT_FILE: "tls.crt", REDIS_TLS_KEY_FILE: "tls.key" } : {}) };
    if (!tls) {
      for (const variable of ["REDIS_TLS", "REDIS_TLS_CA_FILE", "REDIS_TLS_CERT_FILE", "REDIS_TLS_KEY_FILE"])
        if (env[variable]) errors.push(`${name}: ${variable} only with components/redis-tls`);
      continue;
    }
    if (env.REDIS_TLS?.value !== "true") errors.push(`${name}: REDIS_TLS must be "true"`);
    for (const [variable, key] of Object.entries(files))
      if (env[variable]?.value !== TLS_DIR + key) errors.push(`${name}: ${variable} must be ${TLS_DIR + key}`);
    if (!mtls && (env.REDIS_TLS_CERT_FILE || env.REDIS_TLS_KEY_FILE)) errors.push(`${name}: a client certificate only with components/redis-mtls`);
    const mount = (container.volumeMounts ?? []).find((m) => m.mountPath === TLS_DIR.slice(0, -1));
    const volume = deployment.spec.template.spec.volumes?.find((v) => v.name === mount?.name);
    if (!mount?.readOnly || !volume?.secret?.secretName) errors.push(`${name}: ${TLS_DIR} must be a read-only mount of a Secret`);
  }
  const auth = all.find((d) => d.kind === "TriggerAuthentication" && d.metadata?.name === "scout-redis");
  if (auth) {
    const params = Object.fromEntries(auth.spec.secretTargetRef.map((r) => [r.parameter, r.key]));
    const expected = { username: "redis-username", password: "redis-password", ...(tls ? { tls: "tls", ca: "ca.crt" } : {}), ...(mtls ? { cert: "tls.crt", key: "tls.key" } : {}) };
    if (!isDeepStrictEqual(params, expected)) errors.push(`TriggerAuthentication scout-redis: parameters ${JSON.stringify(params)}, expected ${JSON.stringify(expected)}`);
  }
  return errors;
}

// ---------- kustomize ----------

function checkKustomizations(files, docsByFile) {
  const errors = [];
  for (const file of files) {
    for (const doc of docsByFile.get(file) ?? []) {
      if (!KUSTOMIZE.has(`${doc.value?.apiVersion} ${doc.value?.kind}`)) continue;
      const dir = dirname(file);
      const generated = [...(doc.value.configMapGenerator ?? []), ...(doc.value.secretGenerator ?? [])].flatMap((g) => (g.files ?? []).map((f) => f.split("=").pop()));
      for (const entry of [...(doc.value.resources ?? []), ...(doc.value.components ?? []), ...generated])
        if (!existsSync(join(root, dir, entry))) errors.push(`${file}: ${entry} does not exist`);
      if (doc.value.kind === "Kustomization") {
        // Every manifest beside the kustomization must be applied by it (components are optional by design).
        const listed = new Set((doc.value.resources ?? []).map((r) => join(dir, r)));
        for (const other of files.filter((f) => dirname(f) === dir && f !== file))
          if (!listed.has(other)) errors.push(`${file}: ${other} is not listed in resources, so kubectl apply -k would skip it`);
      }
    }
  }
  return errors;
}

function kubectlBuild(dir, components = []) {
  // With kubectl at hand, build the kustomization for real; without it, the file checks above stand alone.
  // Components are built as a user enables them: listed in a copy of the folder's own kustomization.
  if (spawnSync("kubectl", ["version", "--client"], { encoding: "utf8" }).status !== 0) return null;
  const copy = mkdtempSync(join(tmpdir(), "scout-kustomize-"));
  try {
    cpSync(join(root, dir), copy, { recursive: true });
    if (components.length) {
      const file = join(copy, "kustomization.yaml");
      const kustomization = parseDocument(readFileSync(file, "utf8")).toJS();
      kustomization.components = components.map((c) => relative(join(root, dir), join(root, c)));
      writeFileSync(file, stringify(kustomization));
    }
    const built = spawnSync("kubectl", ["kustomize", copy], { encoding: "utf8" });
    if (built.status !== 0) return { error: built.stderr.trim() };
    return { docs: parseDocs(built.stdout, `kubectl kustomize ${dir}`) };
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

// ---------- monitoring ----------

const MONITORING_RULES = "monitoring/scout-alerts.rules.yaml";
const MONITORING_DASHBOARD = "monitoring/scout-dashboard.json";
const MONITORING_COMPONENT = "keda/components/monitoring";
const DASHBOARD_LABEL = "grafana_dashboard";

function monitoringSources() {
  return {
    rules: parseDocument(readFileSync(join(root, MONITORING_RULES), "utf8"), { uniqueKeys: true }).toJS(),
    dashboard: readFileSync(join(root, MONITORING_DASHBOARD), "utf8"),
  };
}

// The monitoring documents of one set (keda/ built with the component, or kcl/rendered): one PodMonitor that
// selects the pods of every Scout Deployment in its namespace and scrapes /metrics on a port each of them names,
// one PrometheusRule whose spec is monitoring/'s rule file, and the dashboard unchanged in one ConfigMap for the
// Grafana sidecar.
function checkMonitoring(all, sources) {
  const errors = [];
  const deployments = all.filter((d) => d.kind === "Deployment");
  const monitors = all.filter((d) => d.kind === "PodMonitor" || d.kind === "ServiceMonitor");
  if (monitors.length !== 1 || monitors[0].kind !== "PodMonitor") errors.push(`expected one PodMonitor, found ${monitors.map((m) => m.kind).join(", ") || "none"}`);
  else {
    const monitor = monitors[0];
    const selector = monitor.spec?.selector?.matchLabels ?? {};
    if (Object.keys(selector).length === 0) errors.push(`PodMonitor ${monitor.metadata?.name}: needs spec.selector.matchLabels`);
    for (const d of deployments) {
      const labels = d.spec?.template?.metadata?.labels ?? {};
      if (!Object.entries(selector).every(([k, v]) => labels[k] === v)) errors.push(`PodMonitor ${monitor.metadata?.name} does not select the pods of Deployment ${d.metadata?.name}`);
      if (monitor.metadata?.namespace !== d.metadata?.namespace) errors.push(`PodMonitor ${monitor.metadata?.name} is not in the namespace of Deployment ${d.metadata?.name}`);
      const ports = (d.spec?.template?.spec?.containers ?? []).flatMap((c) => (c.ports ?? []).map((p) => p.name));
      if (!(monitor.spec?.podMetricsEndpoints ?? []).some((e) => e.path === "/metrics" && ports.includes(e.port)))
        errors.push(`PodMonitor ${monitor.metadata?.name}: no endpoint scrapes /metrics on a named port of Deployment ${d.metadata?.name}`);
    }
  }
  const rules = all.filter((d) => d.kind === "PrometheusRule");
  if (rules.length !== 1) errors.push(`expected one PrometheusRule, found ${rules.length}`);
  else if (!isDeepStrictEqual(rules[0].spec, sources.rules)) errors.push(`PrometheusRule ${rules[0].metadata?.name}: spec differs from ${MONITORING_RULES}`);
  const dashboards = all.filter((d) => d.kind === "ConfigMap" && d.metadata?.labels?.[DASHBOARD_LABEL] === "1");
  if (dashboards.length !== 1) errors.push(`expected one ConfigMap labelled ${DASHBOARD_LABEL}: "1", found ${dashboards.length}`);
  else {
    const data = dashboards[0].data ?? {};
    const keys = Object.keys(data);
    if (keys.length !== 1 || !keys[0].endsWith(".json") || data[keys[0]] !== sources.dashboard)
      errors.push(`ConfigMap ${dashboards[0].metadata?.name}: must hold ${MONITORING_DASHBOARD} unchanged, under one .json key`);
  }
  return errors;
}

function selfCheckMonitoring(good, sources) {
  // Each break must be rejected, and the unbroken set accepted, or checkMonitoring proves nothing.
  const broken = (what, mutate) => { const value = structuredClone(good); mutate(value); return { what, value }; };
  const find = (all, kind) => all.find((d) => d.kind === kind);
  const cases = [
    broken("a rule's threshold changed in the PrometheusRule only", (all) => { find(all, "PrometheusRule").spec.groups[0].rules[1].expr += " * 2"; }),
    broken("PodMonitor selecting only the HTTP pods", (all) => { find(all, "PodMonitor").spec.selector.matchLabels["app.kubernetes.io/component"] = "http"; }),
    broken("PodMonitor on a port the pods do not name", (all) => { find(all, "PodMonitor").spec.podMetricsEndpoints[0].port = "metrics"; }),
    broken("dashboard ConfigMap without the sidecar label", (all) => { delete all.find((d) => d.metadata?.labels?.[DASHBOARD_LABEL]).metadata.labels[DASHBOARD_LABEL]; }),
    broken("dashboard edited in the ConfigMap only", (all) => { const cm = all.find((d) => d.metadata?.labels?.[DASHBOARD_LABEL]); const key = Object.keys(cm.data)[0]; cm.data[key] = cm.data[key].replace("homerun2_scout_messages_total", "homerun2_scout_message_total"); }),
  ];
  const escaped = [];
  const unbroken = checkMonitoring(good, sources);
  if (unbroken.length) escaped.push(`the unbroken documents are rejected: ${unbroken.join("; ")}`);
  for (const { what, value } of cases) if (checkMonitoring(value, sources).length === 0) escaped.push(`accepted: ${what}`);
  return { count: cases.length, escaped };
}

// ---------- the KCL deploy profile ----------

const resourcesSchema = { type: "object", additionalProperties: false, properties: Object.fromEntries(["cpuRequest", "memoryRequest", "cpuLimit", "memoryLimit"].map((k) => [k, { type: "string" }])) };
const profileSchema = {
  type: "object",
  required: ["kcl_options"],
  additionalProperties: false,
  properties: {
    kcl_cli_configs: { type: "object" },
    kcl_options: {
      type: "array",
      minItems: 1,
      items: {
        type: "object", required: ["key", "value"], additionalProperties: false,
        properties: { key: { const: "config" }, value: {
          // Mirrors schema ScoutDeploy in kcl/schema.k: the render fails on keys it does not know.
          type: "object", additionalProperties: false,
          properties: {
            name: { type: "string", minLength: 1 }, namespace: { type: "string", minLength: 1 }, createNamespace: { type: "boolean" },
            image: { type: "string", pattern: ":[^:/]+$", not: { pattern: ":latest$" } },
            imagePullPolicy: { enum: ["Always", "IfNotPresent", "Never"] }, replicas: { type: "integer", minimum: 0 },
            resources: resourcesSchema, redisAddr: { type: "string" }, redisPort: { type: "integer", minimum: 1, maximum: 65535 },
            redisearchIndex: { type: "string" }, scoutInterval: { type: "string" }, logFormat: { enum: ["json", "text"] },
            logLevel: { enum: ["debug", "info", "warn", "error"] }, env: { type: "object", additionalProperties: { type: "string" } },
            secrets: { type: "object", additionalProperties: false, properties: { create: { type: "boolean" }, authToken: { type: "string", maxLength: 0 }, redisUsername: { type: "string", maxLength: 0 }, redisPassword: { type: "string", maxLength: 0 } } },
            redisTls: { type: "object", additionalProperties: false, properties: { enabled: { type: "boolean" }, secretName: { type: "string" }, clientCertificate: { type: "boolean" }, serverName: { type: "string" } } },
            profileName: { type: "string" }, profileSecretName: { type: "string" }, installCrd: { type: "boolean" },
            disabledFunctions: { type: "array", items: { enum: ALL_FUNCTIONS.filter((f) => f !== "Health" && f !== "Ready") } },
            ingress: { type: "object", additionalProperties: false, properties: { enabled: { type: "boolean" }, host: { type: "string" }, className: { type: "string" }, tlsSecretName: { type: "string" }, annotations: { type: "object", additionalProperties: { type: "string" } } } },
            httpRoute: { type: "object", additionalProperties: false, properties: { enabled: { type: "boolean" }, hostname: { type: "string" }, parentRefName: { type: "string" }, parentRefNamespace: { type: "string" } } },
            monitoring: { type: "object", additionalProperties: false, properties: { enabled: { type: "boolean" }, scrapeInterval: { type: "string" }, labels: { type: "object", additionalProperties: { type: "string" } } } },
          },
        } },
      },
    },
  },
};

function checkRenderedAgainstProfile(config, rendered) {
  // The hand-written kcl/rendered copy must carry what the profile sets (the KCL CLI is not here to re-render).
  const errors = [];
  const find = (kind) => rendered.find((d) => d.kind === kind);
  const expect = (what, actual, expected) => { if (!isDeepStrictEqual(actual, expected)) errors.push(`${what}: rendered ${JSON.stringify(actual)}, profile says ${JSON.stringify(expected)}`); };
  const deployment = find("Deployment");
  if (!deployment) return ["kcl/rendered has no Deployment"];
  const container = deployment.spec.template.spec.containers[0];
  expect("Deployment name", deployment.metadata.name, config.name);
  for (const d of rendered.filter((x) => x.metadata?.namespace !== undefined)) expect(`${d.kind} namespace`, d.metadata.namespace, config.namespace);
  expect("Namespace rendered", Boolean(find("Namespace")), config.createNamespace);
  expect("image", container.image, config.image);
  expect("replicas", deployment.spec.replicas, config.replicas);
  const r = config.resources ?? {};
  expect("resources", container.resources, { requests: { cpu: r.cpuRequest, memory: r.memoryRequest }, limits: { cpu: r.cpuLimit, memory: r.memoryLimit } });
  expect("disabled functions", disabledFunctions(deployment), [...(config.disabledFunctions ?? [])].sort());
  const data = find("ConfigMap")?.data ?? {};
  expect("ConfigMap", data, { REDIS_ADDR: config.redisAddr, REDIS_PORT: String(config.redisPort), REDISEARCH_INDEX: config.redisearchIndex, SCOUT_INTERVAL: config.scoutInterval, SCOUT_PROFILE_NAME: config.profileName, LOG_FORMAT: config.logFormat, LOG_LEVEL: config.logLevel, ...(config.env ?? {}) });
  expect("Secret rendered", Boolean(find("Secret")), Boolean(config.secrets?.create));
  const tls = config.redisTls ?? {};
  const env = envOf(container);
  const tlsFile = (key) => (tls.enabled ? `/etc/scout/redis-tls/${key}` : undefined);
  expect("REDIS_USERNAME from the Secret", env.REDIS_USERNAME?.valueFrom?.secretKeyRef?.key, "redis-username");
  expect("Redis TLS env", ["REDIS_TLS", "REDIS_TLS_CA_FILE", "REDIS_TLS_CERT_FILE", "REDIS_TLS_KEY_FILE", "REDIS_TLS_SERVER_NAME"].map((v) => env[v]?.value),
    [tls.enabled ? "true" : undefined, tlsFile("ca.crt"), tls.clientCertificate ? tlsFile("tls.crt") : undefined, tls.clientCertificate ? tlsFile("tls.key") : undefined, tls.serverName || undefined]);
  const tlsVolume = deployment.spec.template.spec.volumes?.find((v) => v.name === "redis-tls");
  expect("Redis TLS Secret volume", tlsVolume?.secret?.secretName, tls.enabled ? tls.secretName : undefined);
  expect("Redis TLS mount", container.volumeMounts?.find((m) => m.name === "redis-tls"), tls.enabled ? { name: "redis-tls", mountPath: "/etc/scout/redis-tls", readOnly: true } : undefined);
  expect("CRD rendered", Boolean(find("CustomResourceDefinition")), config.installCrd);
  const secretRules = (find("Role")?.rules ?? []).filter((rule) => rule.resources?.includes("secrets"));
  expect("Role secret names", secretRules.flatMap((rule) => rule.resourceNames), config.profileSecretName ? [config.profileSecretName] : []);
  const ingress = find("Ingress");
  expect("Ingress rendered", Boolean(ingress), Boolean(config.ingress?.enabled));
  if (ingress) {
    expect("Ingress host", ingress.spec.rules[0].host, config.ingress.host);
    expect("Ingress class", ingress.spec.ingressClassName, config.ingress.className || undefined);
    expect("Ingress TLS secret", ingress.spec.tls?.[0]?.secretName, config.ingress.tlsSecretName || undefined);
    expect("Ingress annotations", ingress.metadata.annotations ?? {}, config.ingress.annotations ?? {});
  }
  const route = find("HTTPRoute");
  expect("HTTPRoute rendered", Boolean(route), Boolean(config.httpRoute?.enabled));
  if (route) {
    expect("HTTPRoute hostname", route.spec.hostnames, [config.httpRoute.hostname]);
    expect("HTTPRoute parent", route.spec.parentRefs[0], { name: config.httpRoute.parentRefName, ...(config.httpRoute.parentRefNamespace ? { namespace: config.httpRoute.parentRefNamespace } : {}) });
  }
  const monitor = find("PodMonitor");
  const monitoring = config.monitoring ?? {};
  expect("PodMonitor rendered", Boolean(monitor), Boolean(monitoring.enabled));
  expect("PrometheusRule rendered", Boolean(find("PrometheusRule")), Boolean(monitoring.enabled));
  expect("dashboard ConfigMap rendered", rendered.some((d) => d.kind === "ConfigMap" && d.metadata?.labels?.[DASHBOARD_LABEL] === "1"), Boolean(monitoring.enabled));
  if (monitor) {
    expect("PodMonitor scrape interval", monitor.spec.podMetricsEndpoints[0].interval, monitoring.scrapeInterval ?? "30s");
    for (const d of [monitor, find("PrometheusRule")])
      for (const [k, v] of Object.entries(monitoring.labels ?? {})) expect(`${d.kind} label ${k}`, d.metadata.labels?.[k], v);
  }
  return errors;
}

// ---------- running ----------

async function validateSet(docs, context) {
  const values = docs.map((d) => d.value);
  const results = [];
  for (const doc of docs) {
    const errors = [...doc.errors, ...(await validateSchema(doc.value, context))];
    if (errors.length === 0 && doc.value.kind === "Deployment") errors.push(...checkDeployment(doc.value, values));
    results.push({ ...doc, errors });
  }
  return results;
}

async function selfCheck(context, goodDeployment, goodProfile) {
  // Each broken document must be rejected, or the validator proves nothing.
  const broken = (what, mutate, base) => { const value = structuredClone(base); mutate(value); return { what, value }; };
  const cases = [
    broken("replicas as text", (d) => { d.spec.replicas = "two"; }, goodDeployment),
    broken("writable root filesystem", (d) => { d.spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem = false; }, goodDeployment),
    broken("readiness on /health", (d) => { d.spec.template.spec.containers[0].readinessProbe.httpGet.path = "/health"; }, goodDeployment),
    broken("literal AUTH_TOKEN", (d) => { const env = d.spec.template.spec.containers[0].env; env[env.findIndex((e) => e.name === "AUTH_TOKEN")] = { name: "AUTH_TOKEN", value: "hunter2" }; }, goodDeployment),
    broken("timer function disabled by a misspelt name", (d) => { d.spec.template.spec.containers[0].env.push({ name: "AzureWebJobs.AggregateAnalytic.Disabled", value: "true" }); }, goodDeployment),
    broken("unknown kind", (d) => { d.kind = "Deploymnet"; }, goodDeployment),
    broken("ScoutProfile interval not a Go duration", (p) => { p.spec.scoutInterval = "soon"; }, goodProfile),
    broken("ScoutProfile negative threshold", (p) => { p.spec.alerting.errorThreshold = -1; }, goodProfile),
    broken("ScoutProfile secret ref without key", (p) => { p.spec.alerting.pitcherTokenSecretRef = { name: "x" }; }, goodProfile),
  ];
  // The documents are checked alone, beside the rest of keda/ (minus the original), so that only the
  // break can reject them; the unbroken originals must pass the same way, or the check proves nothing.
  const findings = async (value) => {
    const schema = await validateSchema(value, context);
    if (schema.length || value.kind !== "Deployment") return schema;
    return checkDeployment(value, [...context.support.filter((v) => v !== goodDeployment), value]);
  };
  const escaped = [];
  for (const original of [goodDeployment, goodProfile]) {
    const errors = await findings(original);
    if (errors.length) escaped.push(`the unbroken ${original.kind} ${original.metadata.name} is rejected: ${errors.join("; ")}`);
  }
  for (const { what, value } of cases) if ((await findings(value)).length === 0) escaped.push(`accepted: ${what}`);
  return { count: cases.length, escaped };
}

async function main() {
  let passed = 0;
  let failed = 0;
  const report = (ok, line, details = []) => {
    if (ok) passed++; else failed++;
    console.log(`${ok ? "ok  " : "FAIL"} ${line}`);
    for (const d of details) console.log(`       ${d}`);
  };

  const renderedDocs = parseDocs(readFileSync(join(root, RENDERED), "utf8"), RENDERED);
  const crd = renderedDocs.find((d) => d.value?.kind === "CustomResourceDefinition" && d.value.spec?.names?.kind === "ScoutProfile")?.value;
  if (!crd) { report(false, `${RENDERED}: no ScoutProfile CRD to validate ScoutProfiles against`); }
  const context = { scoutProfile: crd ? scoutProfileValidator(crd) : () => false };

  const files = [...yamlFiles("keda"), ...yamlFiles("kcl/rendered"), ...yamlFiles("tests")].sort();
  const docsByFile = new Map(files.filter((f) => f !== KCL_PROFILE).map((f) => [f, parseDocs(readFileSync(join(root, f), "utf8"), f)]));

  // Each folder's documents are checked together: references must resolve within the folder.
  for (const folder of ["keda", "kcl/rendered", "tests"]) {
    const folderFiles = files.filter((f) => f.startsWith(folder + "/") && f !== KCL_PROFILE);
    const docs = folderFiles.flatMap((f) => docsByFile.get(f));
    const results = await validateSet(docs.filter((d) => !KUSTOMIZE.has(`${d.value?.apiVersion} ${d.value?.kind}`)), context);
    for (const file of folderFiles) {
      const mine = results.filter((r) => r.source === file);
      const kustomize = docsByFile.get(file).filter((d) => KUSTOMIZE.has(`${d.value?.apiVersion} ${d.value?.kind}`));
      const kinds = [...mine, ...kustomize].map((r) => r.value?.kind).join(", ");
      const errors = mine.flatMap((r) => r.errors.map((e) => `doc ${r.index + 1} (${r.value?.kind} ${r.value?.metadata?.name ?? ""}): ${e}`));
      report(errors.length === 0 && mine.length + kustomize.length > 0, `${file} [${kinds || "no documents"}]`, errors);
    }
    if (folder !== "tests") {
      const values = docs.map((d) => d.value).filter((v) => !KUSTOMIZE.has(`${v?.apiVersion} ${v?.kind}`));
      const errors = checkReferences(values);
      report(errors.length === 0, `${folder}: references resolve, no Secret values, least-privilege RBAC`, errors);
    }
  }
  // Components add to keda/ when enabled; their documents are checked with the base they extend.
  const kedaValues = files.filter((f) => f.startsWith("keda/")).flatMap((f) => docsByFile.get(f)).map((d) => d.value).filter((v) => !KUSTOMIZE.has(`${v?.apiVersion} ${v?.kind}`));
  const baseValues = files.filter((f) => f.startsWith("keda/") && !f.startsWith("keda/components/")).flatMap((f) => docsByFile.get(f)).map((d) => d.value).filter((v) => !KUSTOMIZE.has(`${v?.apiVersion} ${v?.kind}`));
  const splitErrors = checkSplit(baseValues);
  report(splitErrors.length === 0, "keda: scout-http runs the HTTP functions, scout-timers the timers, both scaled with at least 1 replica", splitErrors);
  const kustomizeErrors = checkKustomizations(files.filter((f) => f.startsWith("keda/")), docsByFile);
  report(kustomizeErrors.length === 0, "keda: kustomization lists every manifest beside it and every path it names exists", kustomizeErrors);
  const monitoring = monitoringSources();
  report(readFileSync(join(root, MONITORING_COMPONENT, "scout-dashboard.json"), "utf8") === monitoring.dashboard,
    `${MONITORING_COMPONENT}/scout-dashboard.json is identical to ${MONITORING_DASHBOARD}`);
  const componentRule = kedaValues.find((v) => v.kind === "PrometheusRule");
  report(isDeepStrictEqual(componentRule?.spec, monitoring.rules), `${MONITORING_COMPONENT}/prometheusrule.yaml carries ${MONITORING_RULES} unchanged`);
  const STREAM_TRIGGERS = { "keda/components/redis-streams": "redis-streams", "keda/components/redis-cluster-streams": "redis-cluster-streams" };
  const TLS = "keda/components/redis-tls", MTLS = "keda/components/redis-mtls";
  for (const components of [[], ["keda/components/redis-streams"], ["keda/components/redis-cluster-streams"], [MONITORING_COMPONENT], ["keda/components/functions-host"],
    [TLS], ["keda/components/redis-streams", TLS, MTLS], ["keda/components/redis-cluster-streams", TLS]]) {
    const built = kubectlBuild("keda", components);
    const label = `kubectl kustomize keda/${components.length ? " with " + components.join(", ") : ""}`;
    if (built === null) { console.log(`skip ${label}: kubectl not installed (file checks above still apply)`); continue; }
    if (built.error) { report(false, label, [built.error]); continue; }
    const results = await validateSet(built.docs, context);
    const errors = results.flatMap((r) => r.errors.map((e) => `${r.value?.kind} ${r.value?.metadata?.name}: ${e}`));
    errors.push(...checkReferences(built.docs.map((d) => d.value)));
    if (built.docs.some((d) => d.value.kind !== "Namespace" && d.value.kind !== "CustomResourceDefinition" && d.value.metadata?.namespace !== "homerun2")) errors.push("every namespaced resource must land in homerun2");
    const timers = built.docs.find((d) => d.value.kind === "ScaledObject" && d.value.metadata.name === "scout-timers")?.value;
    for (const component of components.filter((c) => c in STREAM_TRIGGERS)) {
      const type = STREAM_TRIGGERS[component];
      const address = type === "redis-cluster-streams" ? (t) => t.metadata?.addresses || (t.metadata?.hosts && t.metadata?.ports) : (t) => t.metadata?.address || t.metadata?.host;
      if (!timers?.spec.triggers.some((t) => t.type === type && t.authenticationRef?.name && t.metadata?.stream && address(t)))
        errors.push(`the ${component.split("/").pop()} component must add an authenticated ${type} trigger with a stream and an address to scout-timers`);
      if (timers?.spec.triggers.filter((t) => t.type.startsWith("redis")).length !== 1) errors.push(`${component}: scout-timers must have exactly one redis stream trigger`);
    }
    const builtValues = built.docs.map((d) => d.value);
    if (components.includes(MONITORING_COMPONENT)) {
      errors.push(...checkMonitoring(builtValues, monitoring));
      const { count, escaped } = selfCheckMonitoring(builtValues, monitoring);
      report(escaped.length === 0, `self-check: ${count} deliberately broken monitoring sets are all rejected`, escaped);
    } else if (builtValues.some((v) => v.kind === "PodMonitor" || v.kind === "PrometheusRule")) errors.push("the monitoring must stay optional: PodMonitor and PrometheusRule only with the component");
    if (components.includes("keda/components/functions-host")) errors.push(...checkFunctionsHost(builtValues));
    errors.push(...checkRedisAccess(builtValues, { tls: components.includes(TLS), mtls: components.includes(MTLS) }));
    report(errors.length === 0, `${label} builds ${built.docs.length} valid documents`, errors);
  }
  // The keda/ CRD is a copy of the KCL one: both must stay the same.
  const kedaCrd = kedaValues.find((v) => v.kind === "CustomResourceDefinition");
  report(isDeepStrictEqual(kedaCrd, crd), "keda/crd-scoutprofile.yaml is identical to the CRD in kcl/rendered");

  // The KCL deploy profile: its own schema, then the rendered copy against its values.
  const profileDocs = parseDocs(readFileSync(join(root, KCL_PROFILE), "utf8"), KCL_PROFILE);
  const profileAjv = new Ajv({ allErrors: true, strict: false });
  const checkProfile = profileAjv.compile(profileSchema);
  const profileOk = profileDocs.length === 1 && profileDocs[0].errors.length === 0 && checkProfile(profileDocs[0].value);
  report(profileOk, `${KCL_PROFILE} [KCL settings file, checked against the ScoutDeploy options]`, (checkProfile.errors ?? []).map((e) => `${e.instancePath} ${e.message}`));
  if (profileOk) {
    const config = profileDocs[0].value.kcl_options.find((o) => o.key === "config").value;
    const errors = checkRenderedAgainstProfile(config, renderedDocs.map((d) => d.value));
    report(errors.length === 0, `${RENDERED} carries every value ${KCL_PROFILE} sets`, errors);
    if (config.monitoring?.enabled) {
      const monitoringErrors = checkMonitoring(renderedDocs.map((d) => d.value), monitoring);
      report(monitoringErrors.length === 0, `${RENDERED}: PodMonitor, PrometheusRule and dashboard match monitoring/`, monitoringErrors);
    }
  }

  // Negative self-check.
  const goodDeployment = baseValues.find((v) => v.kind === "Deployment");
  const goodProfile = files.filter((f) => f.startsWith("tests/")).flatMap((f) => docsByFile.get(f) ?? []).map((d) => d.value).find((v) => v?.kind === "ScoutProfile" && v.spec?.alerting?.pitcherTokenSecretRef);
  if (!goodDeployment || !goodProfile) report(false, "self-check: needs a Deployment in keda/ and a ScoutProfile with pitcherTokenSecretRef in tests/");
  else {
    context.support = baseValues;
    const { count, escaped } = await selfCheck(context, goodDeployment, goodProfile);
    report(escaped.length === 0, `self-check: ${count} deliberately broken documents are all rejected`, escaped);
  }

  console.log(`validate-deploy: ${passed} passed, ${failed} failed`);
  process.exitCode = failed === 0 ? 0 : 1;
}

await main();
