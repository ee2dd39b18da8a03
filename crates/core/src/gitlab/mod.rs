//! gitlab.rb: the syntax tree of the Ruby subset gitlab.rb uses, and the model of its settings.
