"""What every screen shares: access rules, the signed-in shop, ids in URLs, the way back."""
