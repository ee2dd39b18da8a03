//! Every rule, one module (file) per rule, grouped by format.

pub mod cl;
pub mod gitlab;
pub mod httpd;
pub mod php;
