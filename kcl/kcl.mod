[package]
name = "homerun2-scout-deploy"
edition = "v0.10.0"
version = "0.1.0"
description = "Kubernetes manifests for Scout (homerun2 analytics), rendered with `kcl run kcl/ -Y tests/kcl-deploy-profile.yaml`"

[profile]
entries = ["main.k"]
