insert or replace into workspace_settings (name, value) values ($name, $value)
