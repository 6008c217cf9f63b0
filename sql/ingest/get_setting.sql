select value from workspace_settings where name = $name
