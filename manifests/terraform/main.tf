# driftd with Terraform (README.md "Kubernetes"): the objects `kubectl apply -k manifests/` makes,
# minimal on purpose, for a cluster managed by Terraform with the hashicorp/kubernetes provider.
# The config and the public key are the same files kustomize reads. Not here: the optional
# components (scrape mode, PrometheusRule) and the alert rules, which go in your Prometheus values.
#
# The cluster's Kyverno mutates every pod's dnsConfig; by its convention (KYVERNO_LIFECYCLE_V1)
# the workload ignores changes to dns_config, so a `terraform plan` after the install is clean.
#
# tests/k8s/image.sh checks that the image digest is the kustomization's (both are rewritten by
# manifests/set-image-digest.sh), the ignore rule, and the mounts against manifests/daemonset.yaml.

terraform {
  required_providers {
    kubernetes = {
      source  = "hashicorp/kubernetes"
      version = ">= 2.23"
    }
  }
}

locals {
  namespace = "driftd"
  labels    = { "app.kubernetes.io/name" = "driftd", "app.kubernetes.io/component" = "agent" }
  image     = "ghcr.io/viktorbarzin/driftd@sha256:0000000000000000000000000000000000000000000000000000000000000000"
  config    = file("${path.module}/../agent-config.yaml")
  # Host directories, mounted read-only at /host<dir> with HostToContainer propagation.
  host_dirs = {
    "/etc"                    = "host-etc"
    "/usr/bin"                = "host-usr-bin"
    "/usr/sbin"               = "host-usr-sbin"
    "/usr/local/bin"          = "host-usr-local-bin"
    "/usr/local/sbin"         = "host-usr-local-sbin"
    "/opt/cni/bin"            = "host-opt-cni-bin"
    "/var/lib/dpkg"           = "host-var-lib-dpkg"
    "/var/lib/apt/lists"      = "host-var-lib-apt-lists"
    "/var/cache/apt/archives" = "host-var-cache-apt-archives"
    "/usr/share/keyrings"     = "host-usr-share-keyrings"
    "/var/lib/kubelet"        = "host-var-lib-kubelet"
  }
  # kubelet's directories with other pods' volumes, its keys and sockets, covered by an empty
  # read-only volume (readOnly is not recursive; README.md "What kubectl exec reaches").
  masked = ["pods", "pki", "plugins", "plugins_registry", "pod-resources", "device-plugins", "checkpoints"]
}

resource "kubernetes_namespace_v1" "driftd" {
  metadata {
    name = local.namespace
    labels = {
      "app.kubernetes.io/name"             = "driftd"
      "pod-security.kubernetes.io/enforce" = "privileged"
    }
  }
}

resource "kubernetes_service_account_v1" "driftd" {
  metadata {
    name      = "driftd"
    namespace = kubernetes_namespace_v1.driftd.metadata[0].name
    labels    = { "app.kubernetes.io/name" = "driftd" }
  }
  automount_service_account_token = false
}

resource "kubernetes_config_map_v1" "config" {
  metadata {
    name      = "driftd-config"
    namespace = kubernetes_namespace_v1.driftd.metadata[0].name
  }
  data = { "config.yaml" = local.config }
}

resource "kubernetes_config_map_v1" "baseline_key" {
  metadata {
    name      = "driftd-baseline-key"
    namespace = kubernetes_namespace_v1.driftd.metadata[0].name
  }
  data = { "baseline.pub" = file("${path.module}/../baseline.pub") }
}

resource "kubernetes_daemon_set_v1" "driftd" {
  metadata {
    name      = "driftd"
    namespace = kubernetes_namespace_v1.driftd.metadata[0].name
    labels    = local.labels
  }
  spec {
    selector {
      match_labels = { "app.kubernetes.io/name" = "driftd" }
    }
    strategy {
      type = "RollingUpdate"
      rolling_update {
        max_unavailable = "1"
      }
    }
    template {
      metadata {
        labels = local.labels
        # A config change needs a restart (Landlock cannot widen): roll the pods when it changes.
        annotations = { "driftd/config-sha256" = sha256(local.config) }
      }
      spec {
        service_account_name             = kubernetes_service_account_v1.driftd.metadata[0].name
        automount_service_account_token  = false
        enable_service_links             = false
        priority_class_name              = "system-node-critical"
        host_network                     = false
        host_pid                         = false
        host_ipc                         = false
        termination_grace_period_seconds = 15
        toleration {
          operator = "Exists"
        }
        image_pull_secrets {
          name = "ghcr-credentials" # Kyverno syncs it into allowlisted namespaces (README)
        }
        security_context {
          seccomp_profile {
            type = "RuntimeDefault"
          }
        }
        container {
          name    = "driftd"
          image   = local.image
          command = ["/usr/local/bin/driftd"]
          args    = ["--config", "/etc/driftd/config.yaml", "--root", "/host"]
          env {
            name = "NODE_NAME"
            value_from {
              field_ref {
                field_path = "spec.nodeName"
              }
            }
          }
          port {
            name           = "metrics"
            container_port = 9847
          }
          liveness_probe {
            http_get {
              path = "/healthz"
              port = "metrics"
            }
            period_seconds    = 20
            timeout_seconds   = 3
            failure_threshold = 3
          }
          readiness_probe {
            http_get {
              path = "/readyz"
              port = "metrics"
            }
            period_seconds  = 10
            timeout_seconds = 3
          }
          resources {
            requests = { cpu = "20m", memory = "96Mi" }
            limits   = { memory = "256Mi" }
          }
          security_context {
            privileged                 = false
            allow_privilege_escalation = false
            read_only_root_filesystem  = true
            run_as_user                = 0
            run_as_group               = 0
            capabilities {
              drop = ["ALL"]
              add  = ["DAC_READ_SEARCH"]
            }
          }
          volume_mount {
            name       = "config"
            mount_path = "/etc/driftd"
            read_only  = true
          }
          volume_mount {
            name       = "state"
            mount_path = "/var/lib/driftd"
          }
          dynamic "volume_mount" {
            for_each = local.host_dirs
            content {
              name              = volume_mount.value
              mount_path        = "/host${volume_mount.key}"
              read_only         = true
              mount_propagation = "HostToContainer"
            }
          }
          dynamic "volume_mount" {
            for_each = toset(local.masked)
            content {
              name       = "masked"
              mount_path = "/host/var/lib/kubelet/${volume_mount.value}"
              read_only  = true
            }
          }
        }
        volume {
          name = "config"
          projected {
            sources {
              config_map {
                name = kubernetes_config_map_v1.config.metadata[0].name
                items {
                  key  = "config.yaml"
                  path = "config.yaml"
                }
              }
            }
            sources {
              config_map {
                name = kubernetes_config_map_v1.baseline_key.metadata[0].name
                items {
                  key  = "baseline.pub"
                  path = "baseline.pub"
                }
              }
            }
          }
        }
        volume {
          name = "state"
          host_path {
            path = "/var/lib/driftd"
            type = "DirectoryOrCreate"
          }
        }
        volume {
          name = "masked"
          empty_dir {
            size_limit = "1Mi"
          }
        }
        dynamic "volume" {
          for_each = local.host_dirs
          content {
            name = volume.value
            host_path {
              path = volume.key
              type = "Directory"
            }
          }
        }
      }
    }
  }
  lifecycle {
    ignore_changes = [spec[0].template[0].spec[0].dns_config] # KYVERNO_LIFECYCLE_V1
  }
}
