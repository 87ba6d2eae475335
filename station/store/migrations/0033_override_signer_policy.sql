-- check.override_signer_may_release moves from the station settings into the audited site policy
-- A station that had set it keeps its value; others get the built-in default (false) on first use.
INSERT OR IGNORE INTO policy_values(key, value, updated_utc, updated_by)
    SELECT 'check.override_signer_may_release', CASE WHEN value = '1' THEN 1.0 ELSE 0.0 END, updated_utc, updated_by
    FROM station_settings WHERE key = 'check.override_signer_may_release';
