//! conflint: lint and fix httpd, PHP and GitLab configuration.
