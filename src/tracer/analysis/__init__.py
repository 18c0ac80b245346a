"""Analysis: resolve names with the index and rules, walk an operation into steps."""
