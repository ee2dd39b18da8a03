//! Every rule, one module (file) per rule, grouped by format.

pub(crate) mod cl;
pub(crate) mod gitlab;
pub(crate) mod httpd;
pub(crate) mod php;
pub(crate) mod postfix;
pub(crate) mod template;
