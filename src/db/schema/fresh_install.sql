-- The rows a fresh Moodle install has in the tables of moodle-5.1-*.sql, with the ids it
-- produces: what `moodle-sync init` and the tests put in a new database after the tables.
-- Table prefix: mdl_ (replaced by `[database] prefix`). Portable SQL, the same on SQLite,
-- PostgreSQL and MariaDB; after it, moodle-sync moves each id counter past the explicit ids,
-- as Moodle's installer does (getResetSequenceSQL).
--
-- Source: xmldb_main_install() (lib/db/install.php) and the admin setting defaults that the
-- installer writes (admin_apply_default_settings()). Timestamps are 0 here (a real install
-- stores time()); password hashes are left empty (a real install stores the hash of 'guest'
-- for the guest user and of the installer's admin password for the admin user). Values that
-- depend on the installer's choices (language 'en', admin lastip '0.0.0.0' for a CLI install)
-- are those of a CLI install in English.
-- ---------------------------------------------------------------------------
-- System context (SYSCONTEXTID = 1).
INSERT INTO mdl_context (id, contextlevel, instanceid, path, depth, locked) VALUES (1, 10, 0, '/1', 1, 0);
-- Site course (SITEID = 1) and its course context.
INSERT INTO mdl_course (id, category, sortorder, fullname, shortname, idnumber, summary, format, newsitems, timecreated, timemodified)
    VALUES (1, 0, 1, '', '', '', NULL, 'site', 3, 0, 0);
INSERT INTO mdl_context (id, contextlevel, instanceid, path, depth, locked) VALUES (2, 50, 1, '/1/2', 2, 0);
-- Default course category (get_string('defaultcategoryname') = 'Category 1',
-- sortorder = get_max_courses_in_category() = 10000) and its category context.
INSERT INTO mdl_course_categories (id, name, idnumber, description, descriptionformat, parent, sortorder, coursecount, visible, visibleold, timemodified, depth, path, theme)
    VALUES (1, 'Category 1', NULL, NULL, 1, 0, 10000, 0, 1, 1, 0, 1, '/1', NULL);
INSERT INTO mdl_context (id, contextlevel, instanceid, path, depth, locked) VALUES (3, 40, 1, '/1/3', 2, 0);
-- Config written by xmldb_main_install() (enrol_plugins_enabled, sessiontimeout,
-- mnet_localhost_id = id of the first mnet_host row, siteguest, siteadmins) and
-- admin setting defaults (lang = install language, calendartype, country '0' =
-- none selected). 'timezone' is not seeded: a CLI install stores PHP's default
-- timezone ('Europe/London' when that is UTC) and a web install unsets it.
INSERT INTO mdl_config (name, value) VALUES
    ('enrol_plugins_enabled', 'manual,guest,self,cohort'),
    ('sessiontimeout', '28800'),
    ('mnet_localhost_id', '1'),
    ('siteguest', '1'),
    ('siteadmins', '2'),
    ('lang', 'en'),
    ('calendartype', 'gregorian'),
    ('country', '0');
-- Guest user (id 1) and admin user (id 2), each with a user context (ids 4, 5).
INSERT INTO mdl_user (id, auth, confirmed, mnethostid, username, password, firstname, lastname, email, description, lang, maildisplay, lastip, timemodified) VALUES
    (1, 'manual', 1, 1, 'guest', '', 'Guest user', ' ', 'root@localhost', 'This user is a special user that allows read-only access to some courses.', 'en', 2, '', 0),
    (2, 'manual', 1, 1, 'admin', '', 'Admin', 'User', '', NULL, 'en', 1, '0.0.0.0', 0);
INSERT INTO mdl_context (id, contextlevel, instanceid, path, depth, locked) VALUES
    (4, 30, 1, '/1/4', 2, 0),
    (5, 30, 2, '/1/5', 2, 0);
-- The 8 standard roles (create_role(): name and description empty = localised
-- at display time, sortorder = MAX+1, archetype = shortname).
INSERT INTO mdl_role (id, name, shortname, description, sortorder, archetype) VALUES
    (1, '', 'manager', '', 1, 'manager'),
    (2, '', 'coursecreator', '', 2, 'coursecreator'),
    (3, '', 'editingteacher', '', 3, 'editingteacher'),
    (4, '', 'teacher', '', 4, 'teacher'),
    (5, '', 'student', '', 5, 'student'),
    (6, '', 'guest', '', 6, 'guest'),
    (7, '', 'user', '', 7, 'user'),
    (8, '', 'frontpage', '', 8, 'frontpage');
-- enrol_cohort admin setting defaults (enrol/cohort/settings.php), written once
-- the roles exist: roleid = the student role, unenrolaction = 0
-- (ENROL_EXT_REMOVED_UNENROL).
INSERT INTO mdl_config_plugins (plugin, name, value) VALUES
    ('enrol_cohort', 'roleid', '5'),
    ('enrol_cohort', 'unenrolaction', '0');
-- The core authentication plugins, installed (a version row per plugin, as every
-- installed plugin has); moodle-sync reads which ones exist, not their versions.
INSERT INTO mdl_config_plugins (plugin, name, value) VALUES
    ('auth_cas', 'version', '2025100600'),
    ('auth_db', 'version', '2025100600'),
    ('auth_email', 'version', '2025100600'),
    ('auth_ldap', 'version', '2025100600'),
    ('auth_lti', 'version', '2025100600'),
    ('auth_manual', 'version', '2025100600'),
    ('auth_mnet', 'version', '2025100600'),
    ('auth_nologin', 'version', '2025100600'),
    ('auth_none', 'version', '2025100600'),
    ('auth_oauth2', 'version', '2025100600'),
    ('auth_shibboleth', 'version', '2025100600'),
    ('auth_webservice', 'version', '2025100600');
-- The standard log store, enabled as a new site has it (admin/tool/log/settings.php:
-- tool_log | enabled_stores = 'logstore_standard'), so moodle-sync's changes show in
-- Reports > Logs.
INSERT INTO mdl_config_plugins (plugin, name, value) VALUES
    ('tool_log', 'enabled_stores', 'logstore_standard');
