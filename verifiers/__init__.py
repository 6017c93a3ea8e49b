"""Policy packs and the pure checks that turn readings into a verdict."""
