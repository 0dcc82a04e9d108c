"""Every flag each Kubernetes daemon defines, by version: what pflag accepts on its command line.

A flag outside its daemon's set stops the daemon (``unknown flag``); a flag inside it is
accepted, whether the course's model acts on it or not. Deprecated flags are in the sets
(pflag still accepts them and prints ``Flag --x has been deprecated, ...``, see DEPRECATED);
removed ones are not. The names come from each component's options; the files are cited
beside each set. ``BOOLEAN`` lists the flags pflag takes alone (``--profiling`` means true);
every other flag takes a value.

Provenance: every set was checked against stored copies of the upstream files cited beside it (the
search index of kubernetes/kubernetes keeps several versions of a file, none tagged v1.31.0 or v1.5.2;
each comment says which era of copy was read, and names the groups that could not be re-read). The
kubelet's sets (v1.31 and v1.5), kube-proxy's v1.31 set, the scheduler's deprecated flags and the
apiserver's "misc" flags were checked first (earlier commits); the apiserver's storage, audit,
authentication, authorization and generic-server groups, the controller-manager's generic, cloud and
per-controller groups, the scheduler's groups and the v1.5 apiserver, controller-manager, scheduler and
kube-proxy sets after. A flag still missing makes the daemon refuse it: add it beside its source.
"""

from __future__ import annotations


def _names(text: str) -> frozenset[str]:
    """The flag names in a block of whitespace-separated words (to keep the sets readable)."""
    return frozenset(text.split())


# component-base/logs/api/v1/options.go (AddFlags; the klog flags -v and --vmodule stay, the other
# klog flags were removed in v1.26, KEP-2845), component-base/cli/globalflag/globalflags.go (--help),
# component-base/version/verflag/verflag.go (--version).
_LOGGING_V1_31 = _names("""
    v vmodule log-flush-frequency logging-format log-text-split-stream log-text-info-buffer-size
    log-json-split-stream log-json-info-buffer-size help version
""")

# component-base/featuregate (--feature-gates) and component-base/metrics/options.go (metrics flags).
_METRICS_V1_31 = _names("""
    feature-gates allow-metric-labels allow-metric-labels-manifest disabled-metrics show-hidden-metrics-for-version
""")

# staging/src/k8s.io/apiserver/pkg/server/options/serving.go (SecureServingOptions) and
# authentication.go / authorization.go (DelegatingAuthentication/AuthorizationOptions), as the
# controller-manager and scheduler register them. The serving flags were checked against a stored serving.go
# (v1.20+ era), the authentication flags against a stored authentication.go, and the authorization flags
# against a stored authorization.go (DelegatingAuthorizationOptions.AddFlags).
_DELEGATED_SERVING_V1_31 = _names("""
    bind-address secure-port cert-dir tls-cert-file tls-private-key-file tls-cipher-suites tls-min-version
    tls-sni-cert-key http2-max-streams-per-connection permit-address-sharing permit-port-sharing
    authentication-kubeconfig authentication-skip-lookup authentication-token-webhook-cache-ttl
    authentication-tolerate-lookup-failure client-ca-file requestheader-client-ca-file requestheader-allowed-names
    requestheader-extra-headers-prefix requestheader-group-headers requestheader-username-headers
    authorization-kubeconfig authorization-webhook-cache-authorized-ttl authorization-webhook-cache-unauthorized-ttl
    authorization-always-allow-paths
""")

# component-base/config/options/leaderelectionconfig.go (BindLeaderElectionFlags; checked against the stored copy).
_LEADER_ELECTION = _names("""
    leader-elect leader-elect-lease-duration leader-elect-renew-deadline leader-elect-retry-period
    leader-elect-resource-lock leader-elect-resource-name leader-elect-resource-namespace
""")

#: v1.31's kube-apiserver: cmd/kube-apiserver/app/options/options.go (Flags), pkg/controlplane/apiserver/options/
#: options.go, staging/src/k8s.io/apiserver/pkg/server/options/{server_run_options,etcd,serving,audit,
#: feature,admission,api_enablement,egress_selector,tracing}.go, pkg/kubeapiserver/options/{authentication,
#: authorization,admission,cloudprovider}.go.
#: Checked against stored copies (the index keeps several versions of each file; none is tagged v1.31.0):
#: - etcd.go, AddFlags read in full from a copy of the v1.29-v1.31 era (YAML storage media type, dynamic watch
#:   cache sizes, --etcd-readycheck-timeout; no --storage-initialization-timeout yet): the etcd, encryption,
#:   watch-cache and storage flags here, and --default-watch-cache-size's deprecation (DEPRECATED_V1_31).
#: - audit.go, the log, webhook, batch and truncate AddFlags read in full (a post-v1.20 copy with
#:   --audit-log-compress): every --audit-* flag here, and --audit-webhook-batch-initial-backoff's deprecation.
#: - pkg/kubeapiserver/options/authorization.go read in full (a copy with --authorization-config and the
#:   StructuredAuthorizationConfiguration gate, v1.30/v1.31): the seven --authorization-* flags.
#: - pkg/kubeapiserver/options/authentication.go, AddFlags read in full (a v1.31/v1.32 copy: --authentication-config
#:   also configures the anonymous authenticator): --authentication-config, --api-audiences, --anonymous-auth,
#:   --enable-bootstrap-token-auth, the eight --oidc-* flags, --service-account-{key-file,lookup,issuer,jwks-uri,
#:   max-token-expiration,extend-token-expiration}, --token-auth-file, --authentication-token-webhook-*; the client
#:   CA and request-header flags come from the shared ClientCert/RequestHeader options (staging authentication.go).
#: - server_run_options.go, AddUniversalFlags read from two later copies (v1.33+, which add
#:   --emulation-forward-compatible and --runtime-config-emulation-forward-compatible: left out as post-v1.31);
#:   the v1.31 flags are the ones both copies share, plus --emulated-version/--feature-gates from
#:   ComponentGlobalsRegistry.AddFlags. --storage-initialization-timeout is kept (it appears in those copies,
#:   not in the etcd.go copy above); its v1.31 presence was not confirmed from a tagged file.
#: - pkg/kubeapiserver/options/cloudprovider.go (a v1.29/v1.30 copy, DisableCloudProviders still a gate):
#:   --cloud-provider and --cloud-config, both deprecated ("will be removed in a future version").
#: - serving.go, SecureServingOptions.AddFlags (read from an annotated copy of the v1.20+ file, with
#:   --permit-address-sharing): --bind-address, --secure-port, --cert-dir, the --tls-* flags,
#:   --http2-max-streams-per-connection, --permit-port-sharing, --permit-address-sharing.
#: Not re-read here: feature.go's v1.31 form (the stored copy is a v1.10-era one), admission.go,
#: api_enablement.go, egress_selector.go and the tracing options; their flags follow those files'
#: registrations as remembered, not as checked.
KUBE_APISERVER_V1_31 = _LOGGING_V1_31 | _METRICS_V1_31 | _names("""
    advertise-address cors-allowed-origins debug-socket-path default-not-ready-toleration-seconds
    default-unreachable-toleration-seconds delete-collection-workers emulated-version enable-priority-and-fairness
    external-hostname goaway-chance livez-grace-period max-mutating-requests-inflight max-requests-inflight
    min-request-timeout request-timeout shutdown-delay-duration shutdown-send-retry-after
    shutdown-watch-termination-grace-period storage-initialization-timeout
    enable-garbage-collector encryption-provider-config encryption-provider-config-automatic-reload etcd-cafile
    etcd-certfile etcd-compaction-interval etcd-count-metric-poll-period etcd-db-metric-poll-interval
    etcd-healthcheck-timeout etcd-keyfile etcd-prefix etcd-readycheck-timeout etcd-servers etcd-servers-overrides
    lease-reuse-duration-seconds storage-backend storage-media-type watch-cache watch-cache-sizes
    default-watch-cache-size
    bind-address cert-dir http2-max-streams-per-connection permit-address-sharing permit-port-sharing secure-port
    strict-transport-security-directives tls-cert-file tls-cipher-suites tls-min-version tls-private-key-file
    tls-sni-cert-key
    audit-log-batch-buffer-size audit-log-batch-max-size audit-log-batch-max-wait audit-log-batch-throttle-burst
    audit-log-batch-throttle-enable audit-log-batch-throttle-qps audit-log-compress audit-log-format
    audit-log-maxage audit-log-maxbackup audit-log-maxsize audit-log-mode audit-log-path audit-log-truncate-enabled
    audit-log-truncate-max-batch-size audit-log-truncate-max-event-size audit-log-version audit-policy-file
    audit-webhook-batch-buffer-size audit-webhook-batch-initial-backoff audit-webhook-batch-max-size
    audit-webhook-batch-max-wait audit-webhook-batch-throttle-burst audit-webhook-batch-throttle-enable
    audit-webhook-batch-throttle-qps audit-webhook-config-file audit-webhook-initial-backoff audit-webhook-mode
    audit-webhook-truncate-enabled audit-webhook-truncate-max-batch-size audit-webhook-truncate-max-event-size
    audit-webhook-version
    contention-profiling profiling
    anonymous-auth api-audiences authentication-config authentication-token-webhook-cache-ttl
    authentication-token-webhook-config-file authentication-token-webhook-version client-ca-file
    enable-bootstrap-token-auth oidc-ca-file oidc-client-id oidc-groups-claim oidc-groups-prefix oidc-issuer-url
    oidc-required-claim oidc-signing-algs oidc-username-claim oidc-username-prefix requestheader-allowed-names
    requestheader-client-ca-file requestheader-extra-headers-prefix requestheader-group-headers
    requestheader-username-headers service-account-extend-token-expiration service-account-issuer
    service-account-jwks-uri service-account-key-file service-account-lookup service-account-max-token-expiration
    token-auth-file
    authorization-config authorization-mode authorization-policy-file authorization-webhook-cache-authorized-ttl
    authorization-webhook-cache-unauthorized-ttl authorization-webhook-config-file authorization-webhook-version
    cloud-config cloud-provider
    runtime-config egress-selector-config-file tracing-config-file
    admission-control admission-control-config-file disable-admission-plugins enable-admission-plugins
    aggregator-reject-forwarding-redirect allow-privileged apiserver-count enable-aggregator-routing
    enable-logs-handler endpoint-reconciler-type event-ttl kubelet-certificate-authority kubelet-client-certificate
    kubelet-client-key kubelet-port kubelet-preferred-address-types kubelet-read-only-port kubelet-timeout
    kubernetes-service-node-port max-connection-bytes-per-sec peer-advertise-ip peer-advertise-port peer-ca-file
    proxy-client-cert-file proxy-client-key-file service-account-signing-key-file service-cluster-ip-range
    service-node-port-range identity-lease-duration-seconds identity-lease-renew-interval-seconds
""")

#: v1.31's kube-controller-manager: cmd/kube-controller-manager/app/options/*.go (one file per controller's
#: options) and staging/src/k8s.io/cloud-provider/options/*.go (the generic and cloud options it shares).
#: Checked against stored copies (several versions per file in the index; none tagged v1.31.0):
#: - staging/src/k8s.io/controller-manager/options/generic.go (a v1.28+ copy, with controller aliases) and
#:   debugging.go: --min-resync-period, --kube-api-*, --controller-start-interval, --controllers, the leader
#:   election and leader migration flags, --profiling, --contention-profiling.
#: - staging/src/k8s.io/cloud-provider/options/kubecloudshared.go and cloudprovider.go: --cloud-provider,
#:   --cloud-config, --external-cloud-volume-plugin, --use-service-account-credentials, the deprecated
#:   --allow-untagged-cloud and --node-sync-period, --route-reconciliation-period, --node-monitor-period,
#:   --cluster-name, --cluster-cidr, --allocate-node-cidrs, --cidr-allocator-type, --configure-cloud-routes.
#: - hpacontroller.go (a v1.27+ copy, with --concurrent-horizontal-pod-autoscaler-syncs): adds the deprecated
#:   no-op --horizontal-pod-autoscaler-upscale-delay and --horizontal-pod-autoscaler-downscale-delay.
#: - persistentvolumebindercontroller.go: adds --enable-dynamic-provisioning (the --volume-host-* and
#:   --enable-hostpath-provisioner deprecations in that copy could not be dated to v1.31, so they stay silent).
#: - nodelifecyclecontroller.go, attachdetachcontroller.go (with --disable-force-detach-on-timeout, v1.30+),
#:   garbagecollectorcontroller.go, serviceaccountcontroller.go, endpointslicecontroller.go,
#:   validatingadmissionpolicycontroller.go, legacyserviceaccounttokencleaner.go, and CronJobControllerOptions'
#:   --concurrent-cron-job-syncs.
#: - Removed: --concurrent-pod-gc-syncs (no such flag) and --concurrent-resource-claim-syncs (the stored
#:   resourceclaimcontroller.go registers --concurrent-resourceclaim-syncs, a later release's flag).
#: - csrsigningcontroller.go (a v1.19-v1.24 copy): the --cluster-signing-* flags and --cluster-signing-duration
#:   (its deprecated --experimental-cluster-signing-duration is gone by v1.31, so left out).
#: - --node-cidr-mask-size-ipv4/-ipv6: only indirectly (kubeadm's validation reads them as controller-manager
#:   flags); the stored nodeipamcontroller.go is older than dual-stack.
#: Not re-read here (names as remembered): the deployment, daemonset, statefulset, replicaset,
#: replicationcontroller, endpoint, endpointslicemirroring, ephemeral, job, namespace, podgc, resourcequota and
#: ttlafterfinished option files, and the service controller's --concurrent-service-syncs.
KUBE_CONTROLLER_MANAGER_V1_31 = (_LOGGING_V1_31 | _METRICS_V1_31 | _DELEGATED_SERVING_V1_31 | _LEADER_ELECTION
                                 | _names("""
    kubeconfig master kube-api-qps kube-api-burst kube-api-content-type profiling contention-profiling
    controllers controller-start-interval min-resync-period leader-migration-config enable-leader-migration
    cloud-config cloud-provider allocate-node-cidrs cidr-allocator-type cluster-cidr cluster-name
    configure-cloud-routes external-cloud-volume-plugin node-sync-period route-reconciliation-period
    use-service-account-credentials node-cidr-mask-size node-cidr-mask-size-ipv4 node-cidr-mask-size-ipv6
    service-cluster-ip-range secondary-node-eviction-rate unhealthy-zone-threshold node-eviction-rate
    large-cluster-size-threshold node-monitor-grace-period node-monitor-period node-startup-grace-period
    cluster-signing-cert-file cluster-signing-key-file cluster-signing-duration
    cluster-signing-kubelet-serving-cert-file cluster-signing-kubelet-serving-key-file
    cluster-signing-kubelet-client-cert-file cluster-signing-kubelet-client-key-file
    cluster-signing-kube-apiserver-client-cert-file cluster-signing-kube-apiserver-client-key-file
    cluster-signing-legacy-unknown-cert-file cluster-signing-legacy-unknown-key-file
    concurrent-cron-job-syncs concurrent-daemonset-syncs concurrent-deployment-syncs concurrent-endpoint-syncs
    concurrent-ephemeralvolume-syncs concurrent-gc-syncs concurrent-horizontal-pod-autoscaler-syncs
    concurrent-job-syncs concurrent-namespace-syncs concurrent-rc-syncs concurrent-replicaset-syncs
    concurrent-resource-quota-syncs concurrent-service-endpoint-syncs concurrent-service-syncs
    concurrent-serviceaccount-token-syncs concurrent-statefulset-syncs concurrent-ttl-after-finished-syncs
    concurrent-validating-admission-policy-status-syncs
    volume-host-allow-local-loopback volume-host-cidr-denylist
    endpoint-updates-batch-period endpointslice-updates-batch-period max-endpoints-per-slice
    mirroring-concurrent-service-endpoint-syncs mirroring-endpointslice-updates-batch-period
    mirroring-max-endpoints-per-slice enable-garbage-collector enable-hostpath-provisioner
    flex-volume-plugin-dir pv-recycler-increment-timeout-nfs pv-recycler-minimum-timeout-hostpath
    pv-recycler-minimum-timeout-nfs pv-recycler-pod-template-filepath-hostpath pv-recycler-pod-template-filepath-nfs
    pv-recycler-timeout-increment-hostpath pvclaimbinder-sync-period disable-attach-detach-reconcile-sync
    attach-detach-reconcile-sync-period disable-force-detach-on-timeout
    horizontal-pod-autoscaler-cpu-initialization-period horizontal-pod-autoscaler-downscale-stabilization
    horizontal-pod-autoscaler-initial-readiness-delay horizontal-pod-autoscaler-sync-period
    horizontal-pod-autoscaler-tolerance namespace-sync-period resource-quota-sync-period
    root-ca-file service-account-private-key-file terminated-pod-gc-threshold
    legacy-service-account-token-clean-up-period
    enable-dynamic-provisioning allow-untagged-cloud horizontal-pod-autoscaler-upscale-delay
    horizontal-pod-autoscaler-downscale-delay
"""))

#: v1.31's kube-scheduler: cmd/kube-scheduler/app/options/options.go and deprecated.go (the flags kept from
#: before the ComponentConfig file) plus the shared serving, authentication, leader election and logging options.
#: Checked: the flag groups Options.initFlags registers (misc: --config, --write-config-to, --master; secure
#: serving, delegated authentication and authorization, deprecated, leader election, feature gate, metrics, logs),
#: read from a stored copy of a v1.28+ options.go (an OpenShift fork's, whose one extra flag is left out);
#: the leader election flags from staging/src/k8s.io/component-base/config/options/leaderelectionconfig.go
#: (BindLeaderElectionFlags, the one stored version); the delegated authentication flags from
#: staging/src/k8s.io/apiserver/pkg/server/options/authentication.go (DelegatingAuthenticationOptions.AddFlags).
#: The serving, delegated authentication and authorization flags: see _DELEGATED_SERVING_V1_31.
KUBE_SCHEDULER_V1_31 = (_LOGGING_V1_31 | _METRICS_V1_31 | _DELEGATED_SERVING_V1_31 | _LEADER_ELECTION | _names("""
    config write-config-to master kubeconfig kube-api-qps kube-api-burst kube-api-content-type
    profiling contention-profiling pod-max-in-unschedulable-pods-duration
"""))

#: v1.31's kubelet, the flags of KubeletFlags.AddFlags: cmd/kubelet/app/options/options.go and
#: container_runtime.go (--runtime-cgroups, --pod-infra-container-image, --image-credential-provider-*), plus
#: --help, --version and the klog flags the command adds (cmd/kubelet/app/server.go).
_KUBELET_OWN_V1_31 = _names("""
    help version config config-dir kubeconfig bootstrap-kubeconfig hostname-override node-ip cert-dir cloud-provider
    root-dir seccomp-default node-labels lock-file exit-on-lock-contention minimum-container-ttl-duration
    maximum-dead-containers-per-container maximum-dead-containers register-schedulable experimental-mounter-path
    cloud-config experimental-allocatable-ignore-eviction runtime-cgroups pod-infra-container-image
    image-credential-provider-config image-credential-provider-bin-dir
""")

#: v1.31's kubelet, the KubeletConfiguration fields that still have a flag (AddKubeletConfigFlags in
#: cmd/kubelet/app/options/options.go, with logsapi.AddFlags): all deprecated in favour of --config but for
#: the ones in KUBELET_CONFIG_NOT_DEPRECATED.
_KUBELET_CONFIG_V1_31 = _names("""
    enable-server fail-swap-on fail-cgroupv1 pod-manifest-path sync-frequency file-check-frequency
    http-check-frequency manifest-url manifest-url-header address port read-only-port container-runtime-endpoint
    image-service-endpoint anonymous-auth authentication-token-webhook authentication-token-webhook-cache-ttl
    client-ca-file authorization-mode authorization-webhook-cache-authorized-ttl
    authorization-webhook-cache-unauthorized-ttl tls-cert-file tls-private-key-file rotate-server-certificates
    tls-cipher-suites tls-min-version rotate-certificates registry-qps registry-burst event-qps event-burst
    enable-debugging-handlers contention-profiling healthz-port healthz-bind-address oom-score-adj cluster-domain
    volume-plugin-dir cluster-dns streaming-connection-idle-timeout node-status-update-frequency
    minimum-image-ttl-duration image-gc-high-threshold image-gc-low-threshold volume-stats-agg-period feature-gates
    kubelet-cgroups system-cgroups provider-id cgroups-per-qos cgroup-driver cgroup-root cpu-manager-policy
    cpu-manager-policy-options cpu-manager-reconcile-period qos-reserved topology-manager-policy
    runtime-request-timeout hairpin-mode max-pods pod-cidr pod-max-pids resolv-conf runonce cpu-cfs-quota
    cpu-cfs-quota-period enable-controller-attach-detach make-iptables-util-chains iptables-masquerade-bit
    iptables-drop-bit container-log-max-size container-log-max-files allowed-unsafe-sysctls node-status-max-images
    kernel-memcg-notification local-storage-capacity-isolation max-open-files kube-api-content-type kube-api-qps
    kube-api-burst serialize-image-pulls eviction-hard eviction-soft eviction-soft-grace-period
    eviction-pressure-transition-period eviction-max-pod-grace-period eviction-minimum-reclaim pods-per-core
    protect-kernel-defaults reserved-cpus topology-manager-scope topology-manager-policy-options system-reserved
    kube-reserved enforce-node-allocatable system-reserved-cgroup kube-reserved-cgroup memory-manager-policy
    reserved-memory register-node register-with-taints
    v vmodule log-flush-frequency logging-format log-text-split-stream log-text-info-buffer-size
    log-json-split-stream log-json-info-buffer-size
""")

#: AddKubeletConfigFlags' notDeprecated: the config flags that print no deprecation warning.
KUBELET_CONFIG_NOT_DEPRECATED = _names("v vmodule log-flush-frequency provider-id fail-cgroupv1")

KUBELET_V1_31 = _KUBELET_OWN_V1_31 | _KUBELET_CONFIG_V1_31

#: v1.31's kube-proxy: cmd/kube-proxy/app/options.go (Options.AddFlags, which ends with logsapi.AddFlags).
KUBE_PROXY_V1_31 = _LOGGING_V1_31 | _names("""
    feature-gates config write-config-to cleanup init-only hostname-override kubeconfig master
    bind-address bind-address-hard-fail healthz-bind-address metrics-bind-address cluster-cidr proxy-mode
    nodeport-addresses oom-score-adj profiling detect-local-mode pod-bridge-interface pod-interface-name-prefix
    kube-api-burst kube-api-content-type kube-api-qps config-sync-period masquerade-all iptables-masquerade-bit
    iptables-localhost-nodeports iptables-min-sync-period iptables-sync-period ipvs-exclude-cidrs
    ipvs-min-sync-period ipvs-scheduler ipvs-strict-arp ipvs-sync-period ipvs-tcp-timeout ipvs-tcpfin-timeout
    ipvs-udp-timeout conntrack-max-per-core conntrack-min conntrack-tcp-timeout-close-wait
    conntrack-tcp-timeout-established conntrack-tcp-be-liberal conntrack-udp-timeout conntrack-udp-timeout-stream
    show-hidden-metrics-for-version healthz-port metrics-port proxy-port-range
""")

# The v1.5 components registered every klog (glog) flag on the global FlagSet (pkg/util/flag/flags.go,
# InitFlags) plus --version (pkg/version/verflag) and --log-flush-frequency (pkg/util/logs).
_LOGGING_V1_5 = _names("""
    v vmodule logtostderr alsologtostderr log-dir log-backtrace-at stderrthreshold log-flush-frequency help version
""")

#: v1.5's kube-apiserver: cmd/kube-apiserver/app/options/options.go (ServerRunOptions.AddFlags: --event-ttl, the
#: service account, token webhook, SSH, kubelet and --repair-malformed-updates flags), pkg/genericapiserver/options/
#: server_run_options.go (AddUniversalFlags: serving, authentication, authorization, admission, audit, storage and
#: --feature-gates, with the deprecated aliases --address, --port, --public-address-override, --portal-net,
#: --service-node-ports, --storage-version) and etcd_options.go (AddEtcdStorageFlags). Each read in full from the
#: stored copy of the v1.5 layout (the monolithic generic ServerRunOptions: --anonymous-auth,
#: --requestheader-allowed-names and --tls-sni-cert-key present, --storage-backend defaulting to etcd2,
#: --max-mutating-requests-inflight and --experimental-bootstrap-token-auth not yet, both v1.6).
KUBE_APISERVER_V1_5 = _LOGGING_V1_5 | _names("""
    admission-control admission-control-config-file advertise-address allow-privileged anonymous-auth
    apiserver-count audit-log-maxage audit-log-maxbackup audit-log-maxsize audit-log-path
    authentication-token-webhook-cache-ttl authentication-token-webhook-config-file authorization-mode
    authorization-policy-file authorization-rbac-super-user authorization-webhook-cache-authorized-ttl
    authorization-webhook-cache-unauthorized-ttl authorization-webhook-config-file basic-auth-file bind-address
    cert-dir client-ca-file cloud-config cloud-provider contention-profiling cors-allowed-origins
    delete-collection-workers deserialization-cache-size enable-garbage-collector enable-swagger-ui etcd-cafile
    etcd-certfile etcd-keyfile etcd-prefix etcd-quorum-read etcd-servers etcd-servers-overrides event-ttl
    experimental-keystone-url experimental-keystone-ca-file external-hostname
    insecure-allow-any-token insecure-bind-address insecure-port address port kubelet-certificate-authority
    kubelet-client-certificate kubelet-client-key kubelet-https kubelet-port kubelet-timeout
    kubelet-preferred-address-types kubernetes-service-node-port long-running-request-regexp master-service-namespace
    max-connection-bytes-per-sec max-requests-inflight min-request-timeout
    oidc-ca-file oidc-client-id oidc-groups-claim oidc-issuer-url oidc-username-claim profiling
    repair-malformed-updates requestheader-client-ca-file requestheader-username-headers runtime-config secure-port
    service-account-key-file service-account-lookup service-cluster-ip-range service-node-port-range
    service-node-ports ssh-keyfile ssh-user storage-backend storage-media-type storage-versions target-ram-mb
    tls-ca-file tls-cert-file tls-private-key-file tls-sni-cert-key token-auth-file watch-cache watch-cache-sizes
    feature-gates requestheader-allowed-names public-address-override portal-net storage-version
""")

#: v1.5's kube-controller-manager: cmd/kube-controller-manager/app/options/options.go (CMServer.AddFlags) and
#: pkg/client/leaderelection (--leader-elect*). The index gave no v1.5 copy of options.go; the set was checked
#: against the nearest stored one, a v1.7 copy (--controllers, the deprecated lookup-cache flags,
#: --experimental-cluster-signing-duration): every name here is registered there (--concurrent-rc-syncs as
#: --concurrent_rc_syncs, which pflag's word-separator normalisation accepts), and v1.7's later additions
#: (--controllers, --cidr-allocator-type, --experimental-cluster-signing-duration, --enable-taint-manager, the
#: attach-detach reconciler and HPA delay/REST-client flags) are left out. Corrected: --register-retry-count
#: added (a v1.2-era flag v1.7 still keeps), --approve-all-kubelet-csrs-for-group removed (no such flag in any
#: stored copy; v1.5's is --insecure-experimental-approve-all-kubelet-csrs-for-group). Not confirmed for v1.5
#: itself: --route-reconciliation-period, --concurrent-service-syncs and --use-service-account-credentials.
KUBE_CONTROLLER_MANAGER_V1_5 = _LOGGING_V1_5 | _names("""
    address port master kubeconfig kube-api-qps kube-api-burst kube-api-content-type profiling contention-profiling
    leader-elect leader-elect-lease-duration leader-elect-renew-deadline leader-elect-retry-period
    allocate-node-cidrs cloud-config cloud-provider cluster-cidr cluster-name cluster-signing-cert-file
    cluster-signing-key-file register-retry-count concurrent-deployment-syncs
    concurrent-endpoint-syncs concurrent-gc-syncs concurrent-namespace-syncs concurrent-rc-syncs
    concurrent-replicaset-syncs concurrent-resource-quota-syncs concurrent-service-syncs
    concurrent-serviceaccount-token-syncs configure-cloud-routes controller-start-interval
    daemonset-lookup-cache-size deleting-pods-burst deleting-pods-qps deployment-controller-sync-period
    enable-dynamic-provisioning enable-garbage-collector enable-hostpath-provisioner flex-volume-plugin-dir
    horizontal-pod-autoscaler-sync-period insecure-experimental-approve-all-kubelet-csrs-for-group
    large-cluster-size-threshold min-resync-period namespace-sync-period node-cidr-mask-size
    node-eviction-rate node-monitor-grace-period node-monitor-period node-startup-grace-period node-sync-period
    pod-eviction-timeout pv-recycler-increment-timeout-nfs pv-recycler-minimum-timeout-hostpath
    pv-recycler-minimum-timeout-nfs pv-recycler-pod-template-filepath-hostpath pv-recycler-pod-template-filepath-nfs
    pv-recycler-timeout-increment-hostpath pvclaimbinder-sync-period replicaset-lookup-cache-size
    replication-controller-lookup-cache-size resource-quota-sync-period root-ca-file route-reconciliation-period
    secondary-node-eviction-rate service-account-private-key-file service-cluster-ip-range service-sync-period
    terminated-pod-gc-threshold unhealthy-zone-threshold use-service-account-credentials feature-gates
""")

#: v1.5's kube-scheduler: plugin/cmd/kube-scheduler/app/options/options.go (SchedulerServer.AddFlags), read in full
#: from the stored copy of the v1.5 era (scheduler-name selects pods by the scheduler.alpha.kubernetes.io/name
#: annotation, feature gates from pkg/util/config, no --lock-object-name yet): adds --contention-profiling.
#: The --leader-elect* flags come from pkg/client/leaderelection (BindFlags), not re-read here.
KUBE_SCHEDULER_V1_5 = _LOGGING_V1_5 | _names("""
    address port master kubeconfig kube-api-qps kube-api-burst kube-api-content-type profiling contention-profiling
    algorithm-provider policy-config-file scheduler-name hard-pod-affinity-symmetric-weight failure-domains
    leader-elect leader-elect-lease-duration leader-elect-renew-deadline leader-elect-retry-period feature-gates
""")

#: v1.5's kubelet: cmd/kubelet/app/options/options.go (KubeletServer.AddFlags), read from the stored copy of
#: that era (commit 00192dac93a3), plus --experimental-cri and --experimental-check-node-capabilities-before-mount
#: that v1.5 added. Left out: --config, then a deprecated alias of --pod-manifest-path; the model's kubelet
#: reads --config as today's KubeletConfiguration file, so the notes' v1.5 refuses it rather than misread it.
KUBELET_V1_5 = _LOGGING_V1_5 | _names("""
    kubeconfig require-kubeconfig auth-path api-servers pod-manifest-path sync-frequency file-check-frequency
    http-check-frequency manifest-url manifest-url-header enable-server address port read-only-port tls-cert-file
    tls-private-key-file cert-dir experimental-bootstrap-kubeconfig hostname-override pod-infra-container-image
    docker-endpoint root-dir seccomp-profile-root allow-privileged host-network-sources host-pid-sources
    host-ipc-sources registry-qps registry-burst event-qps event-burst runonce enable-debugging-handlers
    minimum-container-ttl-duration maximum-dead-containers-per-container maximum-dead-containers cadvisor-port
    healthz-port healthz-bind-address oom-score-adj register-node cluster-domain master-service-namespace
    cluster-dns streaming-connection-idle-timeout node-status-update-frequency node-labels
    minimum-image-ttl-duration image-gc-high-threshold image-gc-low-threshold low-diskspace-threshold-mb
    volume-stats-agg-period network-plugin network-plugin-dir cni-conf-dir cni-bin-dir network-plugin-mtu
    volume-plugin-dir cloud-provider cloud-config feature-gates resource-container kubelet-cgroups
    system-container system-cgroups cgroups-per-qos cgroup-root container-runtime runtime-request-timeout lock-file
    exit-on-lock-contention rkt-path rkt-api-endpoint rkt-stage1-image configure-cbr0 hairpin-mode babysit-daemons
    max-pods experimental-nvidia-gpus docker-exec-handler non-masquerade-cidr pod-cidr resolv-conf cpu-cfs-quota
    enable-controller-attach-detach make-iptables-util-chains iptables-masquerade-bit iptables-drop-bit
    experimental-allowed-unsafe-sysctls container-runtime-endpoint image-service-endpoint really-crash-for-testing
    chaos-chance containerized max-open-files reconcile-cidr system-reserved kube-reserved register-schedulable
    kube-api-content-type kube-api-qps kube-api-burst serialize-image-pulls experimental-flannel-overlay
    outofdisk-transition-frequency node-ip enable-custom-metrics runtime-cgroups eviction-hard eviction-soft
    eviction-soft-grace-period eviction-pressure-transition-period eviction-max-pod-grace-period
    eviction-minimum-reclaim pods-per-core protect-kernel-defaults enable-tracing
    experimental-cri experimental-check-node-capabilities-before-mount
""")

#: v1.5's kube-proxy: cmd/kube-proxy/app/options/options.go (ProxyServerConfig.AddFlags), read in full from the
#: stored copy of the v1.4/v1.5 era (feature gates from pkg/util/config, iptables the default mode, the deprecated
#: --resource-container and --conntrack-max): adds --cleanup-iptables and --conntrack-tcp-timeout-close-wait,
#: removes --port (kube-proxy never had it; its ports are --healthz-port and --proxy-port-range).
KUBE_PROXY_V1_5 = _LOGGING_V1_5 | _names("""
    bind-address master healthz-bind-address healthz-port oom-score-adj resource-container kubeconfig
    proxy-port-range hostname-override proxy-mode iptables-sync-period iptables-min-sync-period
    config-sync-period masquerade-all cluster-cidr kube-api-content-type kube-api-qps kube-api-burst
    udp-timeout conntrack-max conntrack-max-per-core conntrack-min conntrack-tcp-timeout-established
    iptables-masquerade-bit feature-gates cleanup-iptables conntrack-tcp-timeout-close-wait
""")

#: The flags each daemon defines, by the release line the course boots (v1.5: the notes; v1.31: today's).
FLAG_SETS: dict[tuple[str, str], frozenset[str]] = {
    ("kube-apiserver", "v1.31"): KUBE_APISERVER_V1_31,
    ("kube-controller-manager", "v1.31"): KUBE_CONTROLLER_MANAGER_V1_31,
    ("kube-scheduler", "v1.31"): KUBE_SCHEDULER_V1_31,
    ("kubelet", "v1.31"): KUBELET_V1_31,
    ("kube-proxy", "v1.31"): KUBE_PROXY_V1_31,
    ("kube-apiserver", "v1.5"): KUBE_APISERVER_V1_5,
    ("kube-controller-manager", "v1.5"): KUBE_CONTROLLER_MANAGER_V1_5,
    ("kube-scheduler", "v1.5"): KUBE_SCHEDULER_V1_5,
    ("kubelet", "v1.5"): KUBELET_V1_5,
    ("kube-proxy", "v1.5"): KUBE_PROXY_V1_5,
}

#: The boolean flags among all of those (a flag is boolean in every version that has it): pflag takes
#: ``--flag`` alone as true, any other flag takes the next word as its value.
BOOLEAN = _names("""
    help version logtostderr alsologtostderr log-text-split-stream log-json-split-stream
    allow-privileged anonymous-auth contention-profiling profiling enable-aggregator-routing
    enable-bootstrap-token-auth enable-garbage-collector enable-logs-handler enable-priority-and-fairness
    encryption-provider-config-automatic-reload service-account-lookup service-account-extend-token-expiration
    watch-cache audit-log-batch-throttle-enable audit-log-compress audit-log-truncate-enabled
    audit-webhook-batch-throttle-enable audit-webhook-truncate-enabled aggregator-reject-forwarding-redirect
    permit-address-sharing permit-port-sharing kubelet-https etcd-quorum-read enable-swagger-ui
    insecure-allow-any-token repair-malformed-updates
    authentication-skip-lookup authentication-tolerate-lookup-failure leader-elect enable-leader-migration
    allocate-node-cidrs configure-cloud-routes use-service-account-credentials enable-hostpath-provisioner
    disable-attach-detach-reconcile-sync disable-force-detach-on-timeout enable-dynamic-provisioning
    authentication-token-webhook cgroups-per-qos cpu-cfs-quota enable-controller-attach-detach
    enable-debugging-handlers enable-server exit-on-lock-contention experimental-allocatable-ignore-eviction
    fail-swap-on kernel-memcg-notification local-storage-capacity-isolation make-iptables-util-chains
    protect-kernel-defaults register-node register-schedulable rotate-certificates rotate-server-certificates
    runonce seccomp-default serialize-image-pulls require-kubeconfig configure-cbr0 babysit-daemons
    really-crash-for-testing containerized reconcile-cidr experimental-flannel-overlay enable-custom-metrics
    enable-tracing experimental-cri experimental-check-node-capabilities-before-mount
    cleanup cleanup-iptables init-only bind-address-hard-fail masquerade-all iptables-localhost-nodeports
    ipvs-strict-arp conntrack-tcp-be-liberal volume-host-allow-local-loopback allow-untagged-cloud
""")

_KUBELET_CONFIG_DEPRECATED = ("This parameter should be set via the config file specified by the Kubelet's --config "
                              "flag. See https://kubernetes.io/docs/tasks/administer-cluster/kubelet-config-file/ for "
                              "more information.")
_EVICTION_INSTEAD = "Use --eviction-hard or --eviction-soft instead. Will be removed in a future version."

#: pflag's MarkDeprecated text for v1.31's deprecated flags: the daemon prints
#: ``Flag --NAME has been deprecated, TEXT`` and goes on. Sources: cmd/kubelet/app/options/options.go
#: (AddFlags and AddKubeletConfigFlags) and container_runtime.go, pkg/kubeapiserver/options/admission.go
#: (--admission-control), pkg/controlplane/apiserver/options/options.go (--apiserver-count, --kubelet-port, ...),
#: cmd/kube-proxy/app/options.go.
DEPRECATED_V1_31: dict[tuple[str, str], str] = {
    ("kube-apiserver", "admission-control"): "Use --enable-admission-plugins or --disable-admission-plugins "
                                             "instead. Will be removed in a future version.",
    ("kube-apiserver", "apiserver-count"): "apiserver-count is deprecated and will be removed in a future version.",
    ("kube-apiserver", "kubelet-port"): "kubelet-port is deprecated and will be removed.",
    ("kube-apiserver", "kubelet-read-only-port"): "kubelet-read-only-port is deprecated and will be removed.",
    ("kube-apiserver", "enable-logs-handler"): "This flag will be removed in v1.19",
    # staging/src/k8s.io/apiserver/pkg/server/options/etcd.go and audit.go (EtcdOptions/AuditWebhookOptions.AddFlags),
    # pkg/kubeapiserver/options/cloudprovider.go (deprecated since v1.29).
    ("kube-apiserver", "cloud-provider"): "will be removed in a future version",
    ("kube-apiserver", "cloud-config"): "will be removed in a future version",
    ("kube-apiserver", "default-watch-cache-size"): "watch caches are sized automatically and this flag will be "
                                                    "removed in a future version",
    ("kube-apiserver", "audit-webhook-batch-initial-backoff"): "Deprecated, use --audit-webhook-initial-backoff "
                                                               "instead.",
    # staging/src/k8s.io/cloud-provider/options/kubecloudshared.go and cmd/kube-controller-manager/app/options/
    # hpacontroller.go.
    ("kube-controller-manager", "allow-untagged-cloud"): "This flag is deprecated and will be removed in a future "
                                                         "release. A cluster-id will be required on cloud instances.",
    ("kube-controller-manager", "node-sync-period"): "This flag is currently no-op and will be deleted.",
    ("kube-controller-manager", "horizontal-pod-autoscaler-upscale-delay"): "This flag is currently no-op and will "
                                                                            "be deleted.",
    ("kube-controller-manager", "horizontal-pod-autoscaler-downscale-delay"): "This flag is currently no-op and "
                                                                              "will be deleted.",
    ("kube-proxy", "healthz-port"): "This flag is deprecated and will be removed in a future release. Please use "
                                    "--healthz-bind-address instead.",
    ("kube-proxy", "metrics-port"): "This flag is deprecated and will be removed in a future release. Please use "
                                    "--metrics-bind-address instead.",
    ("kube-proxy", "proxy-port-range"): "This flag has no effect and will be removed in a future release.",
    ("kubelet", "minimum-container-ttl-duration"): _EVICTION_INSTEAD,
    ("kubelet", "maximum-dead-containers-per-container"): _EVICTION_INSTEAD,
    ("kubelet", "maximum-dead-containers"): _EVICTION_INSTEAD,
    ("kubelet", "register-schedulable"): "will be removed in a future version",
    ("kubelet", "experimental-mounter-path"): "will be removed in 1.25 or later. in favor of using CSI.",
    ("kubelet", "cloud-config"): "will be removed in 1.25 or later, in favor of removing cloud provider code from "
                                 "Kubelet.",
    ("kubelet", "experimental-allocatable-ignore-eviction"): "will be removed in 1.25 or later.",
    ("kubelet", "pod-infra-container-image"): "will be removed in 1.35. Image garbage collector will get sandbox "
                                              "image information from CRI.",
    # AddKubeletConfigFlags' deferred VisitAll marks every config flag but a few (overwriting the own texts of
    # --iptables-masquerade-bit and --iptables-drop-bit).
    **{("kubelet", name): _KUBELET_CONFIG_DEPRECATED
       for name in _KUBELET_CONFIG_V1_31 - KUBELET_CONFIG_NOT_DEPRECATED},
}
