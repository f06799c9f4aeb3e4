"""The domain tasks: namespaces of named tasks that workers capture and release."""
