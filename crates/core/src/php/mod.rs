//! php.ini: the syntax tree of one file, PHP's value evaluation, and the model of php.ini plus its scan directory.
