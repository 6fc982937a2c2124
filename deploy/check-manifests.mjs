// check-manifests.mjs - offline checks of deploy/kubernetes and deploy/Containerfile.
//
// Run by deploy/validate.sh, which installs the npm packages below into a
// tools folder and passes it as TEEV_DEPLOY_TOOLS (nothing is fetched at run
// time, and nothing is installed into the source tree):
//   kubernetes-models (+ @kubernetes-models/prometheus-operator)
//       the Kubernetes OpenAPI schemas compiled to validators: required
//       fields, types, enums and formats of every object.
//   @kubernetes/client-node
//       the generated models' attribute maps, used here to refuse unknown
//       (misspelt) fields, which the OpenAPI schemas alone allow.
//   yaml       YAML parsing with YAML 1.1 rules, as kubectl reads manifests
//              (so `defaultMode: 0400` is octal 256, as the API server sees it).
//   dockerfile-utils   the Dockerfile linter of the VS Code Docker extension.
//
// Usage:
//   node check-manifests.mjs k8s DIR [RENDERED.yaml]  manifests in DIR (+ kustomize output)
//   node check-manifests.mjs containerfile FILE CONTEXT_DIR
//   node check-manifests.mjs self-test DIR [CONTAINERFILE CONTEXT_DIR]
//                                                     prove that broken copies fail
// Prints one line per finding and exits 1 if there is any.
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const tools = process.env.TEEV_DEPLOY_TOOLS;
if (!tools || !existsSync(join(tools, "node_modules"))) {
	console.error("check-manifests: TEEV_DEPLOY_TOOLS must name the folder with node_modules (validate.sh sets it)");
	process.exit(2);
}
const nm = join(tools, "node_modules");
const require = createRequire(join(nm, "noop.js"));
const YAML = require("yaml");
const importFrom = (rel) => import(pathToFileURL(join(nm, rel)).href);

// ---------------------------------------------------------------------------
// Schema validation (kubernetes-models) and unknown fields (client-node).

const MODEL_PACKAGES = {
	"monitoring.coreos.com/v1": "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1",
};

async function modelClass(apiVersion, kind) {
	const base = MODEL_PACKAGES[apiVersion] ?? `kubernetes-models/${apiVersion}`;
	const file = join(nm, `${base}/${kind}.js`);
	if (!existsSync(file))
		return null;
	const mod = await importFrom(`${base}/${kind}.js`);
	return mod[kind];
}

let clientModels = null;
async function attributeMaps() {
	if (!clientModels)
		clientModels = await importFrom("@kubernetes/client-node/dist/gen/models/ObjectSerializer.js");
	return clientModels;
}

// Walks `value` along client-node's type description and reports keys that
// the Kubernetes API does not define (the API server would drop them, or
// reject them with kubectl's strict field validation).
function unknownFields(models, typeName, value, path, out) {
	if (value === null || value === undefined)
		return;
	let m = /^Array<(.+)>$/.exec(typeName);
	if (m) {
		if (Array.isArray(value))
			value.forEach((v, i) => unknownFields(models, m[1], v, `${path}[${i}]`, out));
		return;
	}
	m = /^\{ \[key: string\]: (.+); \}$/.exec(typeName);
	if (m) {
		if (typeof value === "object")
			for (const [k, v] of Object.entries(value))
				unknownFields(models, m[1], v, `${path}.${k}`, out);
		return;
	}
	const cls = models[typeName];
	if (!cls || !cls.attributeTypeMap || typeof value !== "object" || Array.isArray(value))
		return; // string, number, boolean, Date, IntOrString, any, object
	const known = new Map(cls.attributeTypeMap.map((a) => [a.baseName, a.type]));
	for (const [k, v] of Object.entries(value)) {
		if (!known.has(k))
			out.push(`${path}.${k}: unknown field (not in ${typeName})`);
		else
			unknownFields(models, known.get(k), v, `${path}.${k}`, out);
	}
}

async function schemaCheck(doc, where, out) {
	const { apiVersion, kind } = doc;
	if (typeof apiVersion !== "string" || typeof kind !== "string") {
		out.push(`${where}: no apiVersion/kind`);
		return;
	}
	const Cls = await modelClass(apiVersion, kind);
	if (!Cls) {
		out.push(`${where}: no schema for ${apiVersion} ${kind}`);
		return;
	}
	try {
		new Cls(doc).validate();
	} catch (e) {
		const details = (e.errors ?? []).map((x) => `${x.instancePath || "/"} ${x.message}`);
		out.push(`${where}: ${apiVersion} ${kind} fails its schema: ${details.join("; ") || e.message}`);
	}
	if (apiVersion.includes(".coreos.com"))
		return; // CRD: client-node has no model for it
	const models = await attributeMaps();
	const version = apiVersion.split("/").pop();
	const typeName = version.charAt(0).toUpperCase() + version.slice(1) + kind;
	if (!models[typeName]) {
		out.push(`${where}: no field list for ${typeName}`);
		return;
	}
	unknownFields(models, typeName, doc, `${where}:${kind}`, out);
}

// ---------------------------------------------------------------------------
// What teev's deployment needs, beyond a well-formed object.

const TEEV_UID = 10001;
const confOption = (text, name) => {
	const m = new RegExp(`^\\s*${name}\\s*=\\s*(.*?)\\s*$`, "m").exec(text);
	return m ? m[1] : undefined;
};

// The "restricted" Pod Security Standard, as Pod Security Admission checks it.
function restrictedPss(pod, where, out) {
	const psc = pod.securityContext ?? {};
	for (const f of ["hostNetwork", "hostPID", "hostIPC"])
		if (pod[f]) out.push(`${where}: ${f} is not allowed (restricted)`);
	const allowedVolumes = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral",
		"persistentVolumeClaim", "projected", "secret"];
	for (const v of pod.volumes ?? []) {
		const type = Object.keys(v).find((k) => k !== "name");
		if (!allowedVolumes.includes(type))
			out.push(`${where}: volume ${v.name} of type ${type} is not allowed (restricted)`);
	}
	for (const c of [...(pod.initContainers ?? []), ...(pod.containers ?? [])]) {
		const sc = c.securityContext ?? {};
		const w = `${where}: container ${c.name}`;
		if (sc.privileged) out.push(`${w}: privileged (restricted forbids it)`);
		if (sc.allowPrivilegeEscalation !== false)
			out.push(`${w}: allowPrivilegeEscalation must be false (restricted)`);
		if (!(sc.runAsNonRoot ?? psc.runAsNonRoot))
			out.push(`${w}: runAsNonRoot must be true (restricted)`);
		if ((sc.runAsUser ?? psc.runAsUser) === 0) out.push(`${w}: runAsUser 0 (restricted)`);
		const seccomp = (sc.seccompProfile ?? psc.seccompProfile ?? {}).type;
		if (!["RuntimeDefault", "Localhost"].includes(seccomp))
			out.push(`${w}: seccompProfile must be RuntimeDefault or Localhost (restricted)`);
		const caps = sc.capabilities ?? {};
		if (!(caps.drop ?? []).includes("ALL")) out.push(`${w}: capabilities must drop ALL (restricted)`);
		for (const a of caps.add ?? [])
			if (a !== "NET_BIND_SERVICE") out.push(`${w}: capability ${a} may not be added (restricted)`);
		for (const p of c.ports ?? [])
			if (p.hostPort) out.push(`${w}: hostPort ${p.hostPort} (restricted forbids it)`);
	}
}

function teevChecks(objs, containerConf, kustomizeNamespace, out) {
	const one = (kind, name) => objs.find((o) => o.doc.kind === kind && (!name || o.doc.metadata?.name === name));
	const need = (kind, name) => {
		const o = one(kind, name);
		if (!o) out.push(`missing ${kind}${name ? " " + name : ""}`);
		return o?.doc;
	};
	const dep = need("Deployment", "teev");
	const svc = need("Service", "teev");
	const cm = need("ConfigMap", "teev-config");
	const pvc = need("PersistentVolumeClaim", "teev-data");
	const ns = one("Namespace");
	const secret = one("Secret", "teev-cv-ca");
	const sm = one("ServiceMonitor");
	if (!dep || !svc || !cm || !pvc)
		return;

	const pod = dep.spec?.template?.spec ?? {};
	const w = "Deployment teev";
	restrictedPss(pod, w, out);
	if (dep.spec.replicas !== 1) out.push(`${w}: replicas must be 1 (one SQLite writer)`);
	if (dep.spec.strategy?.type !== "Recreate") out.push(`${w}: strategy must be Recreate (RWO volume, one writer)`);
	if (pod.enableServiceLinks !== false)
		out.push(`${w}: enableServiceLinks must be false: the Service "teev" would inject TEEV_PORT=tcp://..., which teev reads as its port option`);
	if (pod.automountServiceAccountToken !== false)
		out.push(`${w}: automountServiceAccountToken should be false (teev does not use the API)`);
	const psc = pod.securityContext ?? {};
	if (psc.runAsUser !== TEEV_UID) out.push(`${w}: runAsUser must be ${TEEV_UID} (the image's user)`);
	if (psc.fsGroup !== TEEV_UID) out.push(`${w}: fsGroup must be ${TEEV_UID} (PVC writable, Secret readable)`);
	if (psc.runAsNonRoot !== true) out.push(`${w}: pod runAsNonRoot must be true`);
	if (psc.seccompProfile?.type !== "RuntimeDefault") out.push(`${w}: pod seccompProfile must be RuntimeDefault`);

	const c = (pod.containers ?? []).find((x) => x.name === "teev");
	if (!c) {
		out.push(`${w}: no container "teev"`);
		return;
	}
	const sc = c.securityContext ?? {};
	if (sc.readOnlyRootFilesystem !== true) out.push(`${w}: readOnlyRootFilesystem must be true`);
	const res = c.resources ?? {};
	for (const [k, v] of Object.entries({ "requests.cpu": "250m", "requests.memory": "64Mi", "limits.cpu": "2", "limits.memory": "256Mi" })) {
		const [a, b] = k.split(".");
		if (String(res[a]?.[b]) !== v) out.push(`${w}: resources.${k} is ${res[a]?.[b]}, expected ${v}`);
	}

	// Ports, probes and the config file agree with each other.
	const conf = cm.data?.["verifier.conf"];
	if (conf === undefined) {
		out.push("ConfigMap teev-config: no key verifier.conf");
		return;
	}
	if (containerConf !== undefined && conf !== containerConf)
		out.push("ConfigMap teev-config: verifier.conf differs from deploy/verifier.container.conf (they must be identical)");
	const port = Number(confOption(conf, "port") ?? 8881);
	const opsPort = Number(confOption(conf, "ops_port") ?? 0);
	if (confOption(conf, "ip") !== "0.0.0.0") out.push("verifier.conf: ip must be 0.0.0.0 in a pod");
	if (confOption(conf, "ops_ip") !== "0.0.0.0") out.push("verifier.conf: ops_ip must be 0.0.0.0 (the kubelet probes the pod IP)");
	if (opsPort !== 8882) out.push(`verifier.conf: ops_port is ${opsPort}, expected 8882`);
	const portByName = Object.fromEntries((c.ports ?? []).map((p) => [p.name, p.containerPort]));
	if (portByName.https !== port) out.push(`${w}: container port "https" is ${portByName.https}, verifier.conf port is ${port}`);
	if (portByName.metrics !== opsPort) out.push(`${w}: container port "metrics" is ${portByName.metrics}, verifier.conf ops_port is ${opsPort}`);
	const probePort = (p) => (typeof p === "string" ? portByName[p] : p);
	for (const [probe, path] of [["readinessProbe", "/readyz"], ["livenessProbe", "/healthz"]]) {
		const g = c[probe]?.httpGet;
		if (!g) out.push(`${w}: ${probe} must be an httpGet probe`);
		else {
			if (g.path !== path) out.push(`${w}: ${probe} path is ${g.path}, expected ${path}`);
			if (probePort(g.port) !== opsPort) out.push(`${w}: ${probe} port ${g.port} is not ops_port ${opsPort}`);
			if ((g.scheme ?? "HTTP") !== "HTTP") out.push(`${w}: ${probe} must use HTTP (the ops listener has no TLS)`);
		}
	}

	// Volumes: every mount has its volume, and the paths match verifier.conf.
	const vols = Object.fromEntries((pod.volumes ?? []).map((v) => [v.name, v]));
	const mounts = Object.fromEntries((c.volumeMounts ?? []).map((m) => [m.mountPath, m]));
	for (const m of c.volumeMounts ?? [])
		if (!vols[m.name]) out.push(`${w}: volumeMount ${m.mountPath} names undefined volume ${m.name}`);
	for (const v of pod.volumes ?? [])
		if (!(c.volumeMounts ?? []).some((m) => m.name === v.name)) out.push(`${w}: volume ${v.name} is never mounted`);
	const tlsDir = confOption(conf, "tls_dir");
	const ca = mounts[tlsDir];
	if (!ca) out.push(`${w}: nothing mounted at tls_dir ${tlsDir}`);
	else {
		const v = vols[ca.name]?.secret;
		if (!v) out.push(`${w}: tls_dir ${tlsDir} must be a Secret volume`);
		else {
			if (v.secretName !== "teev-cv-ca") out.push(`${w}: CA Secret is ${v.secretName}, expected teev-cv-ca`);
			if (v.defaultMode !== 0o400) out.push(`${w}: CA Secret defaultMode is ${v.defaultMode}, expected 0400 (256)`);
		}
		if (ca.readOnly !== true) out.push(`${w}: the CA folder must be mounted readOnly`);
	}
	const cfgMount = mounts["/etc/teev/verifier.conf"];
	if (!cfgMount || cfgMount.subPath !== "verifier.conf" || vols[cfgMount.name]?.configMap?.name !== "teev-config")
		out.push(`${w}: /etc/teev/verifier.conf must be the ConfigMap teev-config's verifier.conf via subPath`);
	const dbDir = (confOption(conf, "database") ?? "").replace(/\/[^/]*$/, "");
	const data = mounts[dbDir];
	if (!data || vols[data.name]?.persistentVolumeClaim?.claimName !== pvc.metadata.name)
		out.push(`${w}: the database folder ${dbDir} must be the PVC ${pvc.metadata.name}`);
	if (!mounts["/tmp"] || !vols[mounts["/tmp"].name]?.emptyDir) out.push(`${w}: /tmp must be an emptyDir (read-only root)`);

	// PVC.
	if (JSON.stringify(pvc.spec?.accessModes) !== '["ReadWriteOnce"]') out.push("PVC teev-data: accessModes must be [ReadWriteOnce]");
	if (pvc.spec?.resources?.requests?.storage !== "1Gi") out.push("PVC teev-data: storage request must be 1Gi");

	// Service: selects the pods and reaches both named ports.
	const labels = dep.spec.template.metadata?.labels ?? {};
	const sel = svc.spec?.selector ?? {};
	if (!Object.keys(sel).length || !Object.entries(sel).every(([k, v]) => labels[k] === v))
		out.push("Service teev: selector does not match the Deployment's pod labels");
	if ((svc.spec?.type ?? "ClusterIP") !== "ClusterIP") out.push("Service teev: type must be ClusterIP");
	const svcPorts = Object.fromEntries((svc.spec?.ports ?? []).map((p) => [p.name, p]));
	for (const [name, num] of [["https", port], ["metrics", opsPort]]) {
		const p = svcPorts[name];
		if (!p) out.push(`Service teev: no port named ${name}`);
		else {
			if (p.port !== num) out.push(`Service teev: port ${name} is ${p.port}, expected ${num}`);
			if (probePort(p.targetPort ?? p.port) !== num) out.push(`Service teev: port ${name} targets ${p.targetPort}, which is not container port ${num}`);
		}
	}
	const depSelector = dep.spec.selector?.matchLabels ?? {};
	if (!Object.entries(depSelector).every(([k, v]) => labels[k] === v))
		out.push("Deployment teev: selector does not match its own pod labels");

	// Namespace: enforces the restricted standard the pod is written for.
	if (ns) {
		const l = ns.doc.metadata?.labels ?? {};
		if (l["pod-security.kubernetes.io/enforce"] !== "restricted")
			out.push("Namespace: pod-security.kubernetes.io/enforce should be restricted");
		if (kustomizeNamespace && ns.doc.metadata?.name !== kustomizeNamespace)
			out.push(`Namespace ${ns.doc.metadata?.name} is not kustomization's namespace ${kustomizeNamespace}`);
	}
	// CA Secret example: Keylime's file names, and no CA private key.
	if (secret) {
		const keys = Object.keys({ ...(secret.doc.data ?? {}), ...(secret.doc.stringData ?? {}) });
		for (const k of ["cacert.crt", "server-cert.crt", "server-private.pem", "client-cert.crt"])
			if (!keys.includes(k)) out.push(`Secret teev-cv-ca: key ${k} missing (Keylime cv_ca layout)`);
		if (keys.includes("ca-private.pem")) out.push("Secret teev-cv-ca: must not carry ca-private.pem (the CA key)");
	}
	// ServiceMonitor: scrapes the Service's metrics port.
	if (sm) {
		const ml = sm.doc.spec?.selector?.matchLabels ?? {};
		const sl = svc.metadata?.labels ?? {};
		if (!Object.keys(ml).length || !Object.entries(ml).every(([k, v]) => sl[k] === v))
			out.push("ServiceMonitor: selector does not match the Service's labels");
		for (const e of sm.doc.spec?.endpoints ?? [])
			if (!svcPorts[e.port]) out.push(`ServiceMonitor: endpoint port ${e.port} is not a Service port`);
	}
}

// ---------------------------------------------------------------------------

function parseYamlDocs(text, where, out) {
	const docs = YAML.parseAllDocuments(text, { version: "1.1", uniqueKeys: true, prettyErrors: true });
	const result = [];
	docs.forEach((d, i) => {
		for (const e of d.errors) out.push(`${where}: YAML error: ${e.message.split("\n")[0]}`);
		for (const e of d.warnings) out.push(`${where}: YAML warning: ${e.message.split("\n")[0]}`);
		const value = d.toJS();
		if (value !== null && value !== undefined) result.push({ doc: value, where: `${where}#${i + 1}` });
	});
	return result;
}

async function checkK8s(dir, rendered, containerConfPath, out) {
	const kustomization = YAML.parse(readFileSync(join(dir, "kustomization.yaml"), "utf8"), { version: "1.1" });
	const listed = kustomization.resources ?? [];
	const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f) && f !== "kustomization.yaml").sort();
	const kText = readFileSync(join(dir, "kustomization.yaml"), "utf8");
	for (const f of listed) if (!files.includes(f)) out.push(`kustomization.yaml: resource ${f} does not exist`);
	for (const f of files)
		if (!listed.includes(f) && !new RegExp(`^\\s*#\\s*-\\s*${f.replace(/\./g, "\\.")}\\s*$`, "m").test(kText))
			out.push(`kustomization.yaml: ${f} is neither listed nor mentioned (commented out) as a resource`);

	const containerConf = containerConfPath ? readFileSync(containerConfPath, "utf8") : undefined;
	// Every file, including the optional ones, as written.
	const objs = [];
	for (const f of files) objs.push(...parseYamlDocs(readFileSync(join(dir, f), "utf8"), f, out));
	for (const o of objs) await schemaCheck(o.doc, o.where, out);
	teevChecks(objs, containerConf, kustomization.namespace, out);
	console.log(`checked ${objs.length} objects in ${files.length} files of ${dir}`);

	// What `kubectl apply -k` would send: namespace and image applied.
	if (rendered) {
		const r = parseYamlDocs(readFileSync(rendered, "utf8"), "kustomize-output", out);
		for (const o of r) await schemaCheck(o.doc, o.where, out);
		teevChecks(r, containerConf, kustomization.namespace, out);
		for (const o of r)
			if (o.doc.kind !== "Namespace" && o.doc.metadata?.namespace !== kustomization.namespace)
				out.push(`${o.where}: ${o.doc.kind} ${o.doc.metadata?.name} is not in namespace ${kustomization.namespace}`);
		const img = r.find((o) => o.doc.kind === "Deployment")?.doc.spec.template.spec.containers[0].image;
		if (img === "teev" || !img) out.push("kustomize-output: the image name was not replaced by images:");
		console.log(`checked ${r.length} objects of the kustomize output (image ${img})`);
	}
}

// ---------------------------------------------------------------------------
// Containerfile: linted by dockerfile-utils, then held to what the brief and
// the other files require.

function instructions(text) {
	const lines = text.split("\n");
	const out = [];
	let cur = null;
	lines.forEach((line, i) => {
		if (!cur && /^\s*(#|$)/.test(line)) return;
		if (cur && /^\s*#/.test(line)) return; // comment inside a continuation
		const piece = line.replace(/\\\s*$/, "");
		if (!cur) cur = { line: i + 1, text: piece };
		else cur.text += " " + piece.trim();
		if (!/\\\s*$/.test(line)) {
			const m = /^\s*(\w+)\s*(.*)$/.exec(cur.text);
			out.push({ line: cur.line, keyword: m[1].toUpperCase(), args: m[2].trim() });
			cur = null;
		}
	});
	return out;
}

function checkContainerfile(file, context, out, text = readFileSync(file, "utf8"), quiet = false) {
	const du = require("dockerfile-utils");
	for (const d of du.validate(text, {}))
		out.push(`${file}:${d.range.start.line + 1}: ${d.severity === 1 ? "error" : "warning"}: ${d.message}`);

	const ins = instructions(text);
	const all = (k) => ins.filter((i) => i.keyword === k);
	const froms = all("FROM");
	const arg = all("ARG").find((a) => a.args.startsWith("DEBIAN_IMAGE="));
	if (!arg || arg.args !== "DEBIAN_IMAGE=docker.io/library/debian:12-slim")
		out.push(`${file}: ARG DEBIAN_IMAGE must default to docker.io/library/debian:12-slim`);
	if (froms.length !== 2) out.push(`${file}: expected 2 stages (build, runtime), found ${froms.length}`);
	for (const f of froms)
		if (!f.args.startsWith("${DEBIAN_IMAGE}")) out.push(`${file}:${f.line}: FROM must use \${DEBIAN_IMAGE} (Debian 12 slim)`);
	const runtimeStart = froms.length ? froms[froms.length - 1].line : 0;
	const runtime = ins.filter((i) => i.line >= runtimeStart);
	const buildStage = ins.filter((i) => i.line < runtimeStart);

	if (!buildStage.some((i) => i.keyword === "RUN" && /\bmake\b/.test(i.args)))
		out.push(`${file}: the build stage must run make`);
	if (!buildStage.some((i) => i.keyword === "RUN" && /install-deps\.sh build/.test(i.args)))
		out.push(`${file}: the build stage must install deploy/install-deps.sh's build packages`);

	const wantLibs = ["libmicrohttpd12", "libgnutls30", "libssl3", "libjson-c5", "libsqlite3-0", "libcurl4", "libhogweed6", "libgmp10", "libpcre2-8-0", "ca-certificates"];
	const apt = runtime.find((i) => i.keyword === "RUN" && /apt-get install/.test(i.args));
	if (!apt) out.push(`${file}: the runtime stage installs no packages`);
	else {
		const pkgs = apt.args.split(/apt-get install/)[1].split("&&")[0].split(/\s+/).filter((w) => w && !w.startsWith("-"));
		for (const p of wantLibs) if (!pkgs.includes(p)) out.push(`${file}: runtime package ${p} missing`);
		for (const p of pkgs)
			if (!wantLibs.includes(p) && p !== "curl") out.push(`${file}: runtime stage installs ${p}, which is not a runtime library (only curl, for HEALTHCHECK, is allowed)`);
		if (!/--no-install-recommends/.test(apt.args)) out.push(`${file}: apt-get install without --no-install-recommends`);
		if (!/rm -rf \/var\/lib\/apt\/lists/.test(apt.args)) out.push(`${file}: the runtime stage keeps apt lists`);
	}
	if (runtime.some((i) => i.keyword === "RUN" && /install-deps|gcc|make /.test(i.args)))
		out.push(`${file}: build tools in the runtime stage`);

	const user = runtime.filter((i) => i.keyword === "USER").pop();
	if (!user || !/^10001(:10001)?$/.test(user.args)) out.push(`${file}: the last USER must be numeric 10001 (runAsNonRoot checks it)`);
	const expose = all("EXPOSE").map((i) => i.args).join(" ").split(/\s+/).sort();
	if (expose.join(" ") !== "8881 8882") out.push(`${file}: EXPOSE must be 8881 8882, is ${expose.join(" ")}`);
	const hc = all("HEALTHCHECK").pop();
	if (!hc || !/CMD\s*\[.*"curl".*"http:\/\/127\.0\.0\.1:8882\/healthz"\]/.test(hc.args))
		out.push(`${file}: HEALTHCHECK must curl http://127.0.0.1:8882/healthz (exec form)`);
	const ep = all("ENTRYPOINT").pop();
	let epJson = null;
	try {
		epJson = JSON.parse(ep?.args ?? "null");
	} catch {
		/* reported below */
	}
	if (JSON.stringify(epJson) !== JSON.stringify(["/usr/local/bin/teev", "serve", "--config", "/etc/teev/verifier.conf"]))
		out.push(`${file}: ENTRYPOINT must be ["/usr/local/bin/teev", "serve", "--config", "/etc/teev/verifier.conf"]`);
	const volumes = all("VOLUME").map((v) => v.args).join(" ");
	for (const v of ["/var/lib/teev", "/etc/teev/cv_ca"])
		if (!volumes.includes(`"${v}"`)) out.push(`${file}: VOLUME ${v} missing`);
	if (!runtime.some((i) => i.keyword === "RUN" && /useradd[^&]*--uid 10001/.test(i.args)))
		out.push(`${file}: the runtime stage must create user 10001`);

	// Every COPY source from the build context exists.
	for (const c of all("COPY")) {
		if (/--from=/.test(c.args)) continue;
		const words = c.args.split(/\s+/).filter((w) => !w.startsWith("--"));
		for (const src of words.slice(0, -1))
			if (!existsSync(resolve(context, src))) out.push(`${file}:${c.line}: COPY source ${src} does not exist in the context ${context}`);
	}
	if (!all("COPY").some((c) => /verifier\.container\.conf \/etc\/teev\/verifier\.conf/.test(c.args)))
		out.push(`${file}: deploy/verifier.container.conf must be copied to /etc/teev/verifier.conf`);
	if (!quiet) console.log(`checked ${ins.length} instructions of ${file}`);
}

// ---------------------------------------------------------------------------
// Self-test: each broken copy must be refused, or the checks above prove
// nothing.

async function selfTest(dir, containerConfPath) {
	const base = [];
	for (const f of readdirSync(dir).filter((x) => /\.ya?ml$/.test(x) && x !== "kustomization.yaml"))
		base.push(...parseYamlDocs(readFileSync(join(dir, f), "utf8"), f, []));
	const conf = readFileSync(containerConfPath, "utf8");
	const dep = (objs) => objs.find((o) => o.doc.kind === "Deployment").doc;
	const ctr = (objs) => dep(objs).spec.template.spec.containers[0];
	const cases = {
		"misspelt field (readinesProbe)": (o) => {
			const c = ctr(o);
			c.readinesProbe = c.readinessProbe;
			delete c.readinessProbe;
		},
		"containerPort as a string": (o) => { ctr(o).ports[0].containerPort = "8881"; },
		"unknown enum (strategy Rolling)": (o) => { dep(o).spec.strategy.type = "Rolling"; },
		"missing required container name": (o) => { delete ctr(o).name; },
		"service links left on": (o) => { delete dep(o).spec.template.spec.enableServiceLinks; },
		"root user": (o) => { dep(o).spec.template.spec.securityContext.runAsUser = 0; },
		"privilege escalation allowed": (o) => { ctr(o).securityContext.allowPrivilegeEscalation = true; },
		"capability added": (o) => { ctr(o).securityContext.capabilities.add = ["SYS_ADMIN"]; },
		"writable root": (o) => { ctr(o).securityContext.readOnlyRootFilesystem = false; },
		"probe on the mTLS port": (o) => { ctr(o).readinessProbe.httpGet.port = "https"; },
		"liveness on /readyz": (o) => { ctr(o).livenessProbe.httpGet.path = "/readyz"; },
		"hostPath volume": (o) => { dep(o).spec.template.spec.volumes.push({ name: "h", hostPath: { path: "/" } }); },
		"Secret defaultMode 0644": (o) => { dep(o).spec.template.spec.volumes.find((v) => v.secret).secret.defaultMode = 0o644; },
		"mount of an undefined volume": (o) => { ctr(o).volumeMounts[0].name = "nope"; },
		"Service selects nothing": (o) => { o.find((x) => x.doc.kind === "Service").doc.spec.selector = { app: "other" }; },
		"ConfigMap drifted from the image's config": (o) => {
			const cm = o.find((x) => x.doc.kind === "ConfigMap").doc;
			cm.data["verifier.conf"] = cm.data["verifier.conf"].replace("ops_port = 8882", "ops_port = 9000");
		},
		"CA key in the Secret": (o) => { o.find((x) => x.doc.kind === "Secret").doc.stringData["ca-private.pem"] = "x"; },
	};
	let failed = 0;
	for (const [name, mutate] of Object.entries(cases)) {
		const objs = structuredClone(base);
		mutate(objs);
		const out = [];
		for (const o of objs) await schemaCheck(o.doc, o.where, out);
		teevChecks(objs, conf, "teev", out);
		if (out.length) console.log(`caught: ${name}: ${out[0]}`);
		else {
			console.log(`NOT CAUGHT: ${name}`);
			failed++;
		}
	}
	const clean = [];
	for (const o of base) await schemaCheck(o.doc, o.where, clean);
	teevChecks(base, conf, "teev", clean);
	if (clean.length) {
		console.log(`the unmodified manifests fail: ${clean[0]}`);
		failed++;
	}
	console.log(`${Object.keys(cases).length - failed} of ${Object.keys(cases).length} broken manifest variants refused`);
	return failed;
}

async function selfTestContainerfile(file, context) {
	const text = readFileSync(file, "utf8");
	const cases = {
		"runs as root": [/^USER 10001:10001$/m, "USER root"],
		"compiler in the runtime image": [/libpcre2-8-0 ca-certificates curl/, "libpcre2-8-0 ca-certificates curl gcc"],
		"runtime library missing": [/ libssl3 /, " "],
		"no HEALTHCHECK": [/^HEALTHCHECK[^]*?healthz"\]\n/m, ""],
		"health check on the mTLS port": [/http:\/\/127\.0\.0\.1:8882\/healthz/, "http://127.0.0.1:8881/healthz"],
		"ENTRYPOINT in shell form": [/^ENTRYPOINT .*$/m, "ENTRYPOINT /usr/local/bin/teev serve"],
		"port 8882 not exposed": [/^EXPOSE 8881 8882$/m, "EXPOSE 8881"],
		"misspelt instruction": [/^WORKDIR /m, "WORKDIRR "],
		"unknown HEALTHCHECK flag": [/--start-period=/, "--start-periodd="],
		"COPY of a missing source": [/^COPY verifier\/ verifier\/$/m, "COPY verifierz/ verifier/"],
		"another base image": [/^ARG DEBIAN_IMAGE=.*$/m, "ARG DEBIAN_IMAGE=docker.io/library/alpine:3"],
	};
	let failed = 0;
	for (const [name, [re, repl]] of Object.entries(cases)) {
		if (!re.test(text)) {
			console.log(`NOT APPLICABLE: ${name} (pattern not found: the self-test needs updating)`);
			failed++;
			continue;
		}
		const out = [];
		checkContainerfile(file, context, out, text.replace(re, repl), true);
		if (out.length) console.log(`caught: ${name}: ${out[0]}`);
		else {
			console.log(`NOT CAUGHT: ${name}`);
			failed++;
		}
	}
	console.log(`${Object.keys(cases).length - failed} of ${Object.keys(cases).length} broken Containerfile variants refused`);
	return failed;
}

// ---------------------------------------------------------------------------

const [mode, ...args] = process.argv.slice(2);
const findings = [];
let rc = 0;
if (mode === "k8s") {
	await checkK8s(args[0], args[1], process.env.TEEV_CONTAINER_CONF, findings);
} else if (mode === "containerfile") {
	checkContainerfile(args[0], args[1], findings);
} else if (mode === "self-test") {
	rc = (await selfTest(args[0], process.env.TEEV_CONTAINER_CONF)) ? 1 : 0;
	if (args[1]) rc |= (await selfTestContainerfile(args[1], args[2])) ? 1 : 0;
} else {
	console.error("usage: check-manifests.mjs k8s DIR [RENDERED] | containerfile FILE CONTEXT | self-test DIR [FILE CONTEXT]");
	process.exit(2);
}
for (const f of findings) console.log(`  ${f}`);
process.exit(findings.length || rc ? 1 : 0);
