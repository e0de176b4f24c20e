-- Moodle database schema, subset for moodle-sync -- PostgreSQL
--
-- What this is: a subset of Moodle's schema for the 20 tables moodle-sync reads or writes
-- (config, courses and course categories, enrolment instances and user enrolments, users,
-- user preferences, roles, contexts, role assignments, profile fields and their categories, groups, cohorts and
-- cohort members, cache flags, the standard log), followed by the rows a fresh Moodle
-- install has in these tables. `moodle-sync init` creates the embedded SQLite database from it,
-- and the tests create their PostgreSQL and MariaDB databases from it; moodle-sync never runs
-- it against a real Moodle site.
-- It is not a full Moodle schema: a real site has about 500 tables.
--
-- Generated from Moodle's install.xml definitions: moodle/moodle public/lib/db/install.xml
-- (XMLDB VERSION="20260112", main branch, commit e3c2a760e49227f285d4af6c9dd1a8b538bd3605)
-- and the logstore_standard install.xml + upgrade steps, following the type and naming
-- rules of Moodle's XMLDB generator (lib/ddl/sql_generator.php + postgres_sql_generator.php).
-- Table prefix: mdl_ (Moodle's default $CFG->prefix). Index names are the ones a fresh
-- install creates (getNameForObject(): prefix + 4 chars of each table-name word + '_' +
-- 3 chars of each field + suffix pk/uix/ix; max 30 chars; clashes get a counter).
-- Foreign keys in install.xml are NOT created as constraints; Moodle only creates a
-- plain index for each (unique keys become unique indexes).
-- docs/moodle-database.md says which of these tables moodle-sync reads and writes, and how.

CREATE TABLE mdl_config (
    id BIGSERIAL,
    name VARCHAR(255) NOT NULL DEFAULT '',
    value TEXT NOT NULL,
CONSTRAINT mdl_conf_id_pk PRIMARY KEY (id)
);
COMMENT ON TABLE mdl_config IS 'Moodle configuration variables';
CREATE UNIQUE INDEX mdl_conf_nam_uix ON mdl_config (name);

CREATE TABLE mdl_config_plugins (
    id BIGSERIAL,
    plugin VARCHAR(100) NOT NULL DEFAULT 'core',
    name VARCHAR(100) NOT NULL DEFAULT '',
    value TEXT NOT NULL,
CONSTRAINT mdl_confplug_id_pk PRIMARY KEY (id)
);
COMMENT ON TABLE mdl_config_plugins IS 'Moodle modules and plugins configuration variables';
CREATE UNIQUE INDEX mdl_confplug_plunam_uix ON mdl_config_plugins (plugin, name);

CREATE TABLE mdl_course (
    id BIGSERIAL,
    category BIGINT NOT NULL DEFAULT 0,
    sortorder BIGINT NOT NULL DEFAULT 0,
    fullname VARCHAR(1333) NOT NULL DEFAULT '',
    shortname VARCHAR(255) NOT NULL DEFAULT '',
    idnumber VARCHAR(100) NOT NULL DEFAULT '',
    summary TEXT,
    summaryformat SMALLINT NOT NULL DEFAULT 0,
    format VARCHAR(21) NOT NULL DEFAULT 'topics',
    showgrades SMALLINT NOT NULL DEFAULT 1,
    newsitems INTEGER NOT NULL DEFAULT 1,
    startdate BIGINT NOT NULL DEFAULT 0,
    enddate BIGINT NOT NULL DEFAULT 0,
    relativedatesmode SMALLINT NOT NULL DEFAULT 0,
    marker BIGINT NOT NULL DEFAULT 0,
    maxbytes BIGINT NOT NULL DEFAULT 0,
    legacyfiles SMALLINT NOT NULL DEFAULT 0,
    showreports SMALLINT NOT NULL DEFAULT 0,
    visible SMALLINT NOT NULL DEFAULT 1,
    visibleold SMALLINT NOT NULL DEFAULT 1,
    downloadcontent SMALLINT,
    groupmode SMALLINT NOT NULL DEFAULT 0,
    groupmodeforce SMALLINT NOT NULL DEFAULT 0,
    defaultgroupingid BIGINT NOT NULL DEFAULT 0,
    lang VARCHAR(30) NOT NULL DEFAULT '',
    calendartype VARCHAR(30) NOT NULL DEFAULT '',
    theme VARCHAR(50) NOT NULL DEFAULT '',
    timecreated BIGINT NOT NULL DEFAULT 0,
    timemodified BIGINT NOT NULL DEFAULT 0,
    requested SMALLINT NOT NULL DEFAULT 0,
    enablecompletion SMALLINT NOT NULL DEFAULT 0,
    completionnotify SMALLINT NOT NULL DEFAULT 0,
    cacherev BIGINT NOT NULL DEFAULT 0,
    originalcourseid BIGINT,
    showactivitydates SMALLINT NOT NULL DEFAULT 1,
    showcompletionconditions SMALLINT,
    pdfexportfont VARCHAR(50),
    enableaitools SMALLINT,
CONSTRAINT mdl_cour_id_pk PRIMARY KEY (id)
);
COMMENT ON TABLE mdl_course IS 'Central course table';
CREATE INDEX mdl_cour_cat_ix ON mdl_course (category);
CREATE INDEX mdl_cour_idn_ix ON mdl_course (idnumber);
CREATE INDEX mdl_cour_sho_ix ON mdl_course (shortname);
CREATE INDEX mdl_cour_sor_ix ON mdl_course (sortorder);
CREATE INDEX mdl_cour_ori_ix ON mdl_course (originalcourseid);

CREATE TABLE mdl_course_categories (
    id BIGSERIAL,
    name VARCHAR(255) NOT NULL DEFAULT '',
    idnumber VARCHAR(100),
    description TEXT,
    descriptionformat SMALLINT NOT NULL DEFAULT 0,
    parent BIGINT NOT NULL DEFAULT 0,
    sortorder BIGINT NOT NULL DEFAULT 0,
    coursecount BIGINT NOT NULL DEFAULT 0,
    visible SMALLINT NOT NULL DEFAULT 1,
    visibleold SMALLINT NOT NULL DEFAULT 1,
    timemodified BIGINT NOT NULL DEFAULT 0,
    depth BIGINT NOT NULL DEFAULT 0,
    path VARCHAR(255) NOT NULL DEFAULT '',
    theme VARCHAR(50),
CONSTRAINT mdl_courcate_id_pk PRIMARY KEY (id)
);
COMMENT ON TABLE mdl_course_categories IS 'Course categories';
CREATE INDEX mdl_courcate_par_ix ON mdl_course_categories (parent);

CREATE TABLE mdl_enrol (
    id BIGSERIAL,
    enrol VARCHAR(20) NOT NULL DEFAULT '',
    status BIGINT NOT NULL DEFAULT 0,
    courseid BIGINT NOT NULL,
    sortorder BIGINT NOT NULL DEFAULT 0,
    name VARCHAR(255),
    enrolperiod BIGINT DEFAULT 0,
    enrolstartdate BIGINT DEFAULT 0,
    enrolenddate BIGINT DEFAULT 0,
    expirynotify SMALLINT DEFAULT 0,
    expirythreshold BIGINT DEFAULT 0,
    notifyall SMALLINT DEFAULT 0,
    password VARCHAR(50),
    cost VARCHAR(20),
    currency VARCHAR(3),
    roleid BIGINT DEFAULT 0,
    customint1 BIGINT,
    customint2 BIGINT,
    customint3 BIGINT,
    customint4 BIGINT,
    customint5 BIGINT,
    customint6 BIGINT,
    customint7 BIGINT,
    customint8 BIGINT,
    customchar1 VARCHAR(255),
    customchar2 VARCHAR(255),
    customchar3 VARCHAR(1333),
    customdec1 NUMERIC(12,7),
    customdec2 NUMERIC(12,7),
    customtext1 TEXT,
    customtext2 TEXT,
    customtext3 TEXT,
    customtext4 TEXT,
    timecreated BIGINT NOT NULL DEFAULT 0,
    timemodified BIGINT NOT NULL DEFAULT 0,
CONSTRAINT mdl_enro_id_pk PRIMARY KEY (id)
);
COMMENT ON TABLE mdl_enrol IS 'Instances of enrolment plugins used in courses, fields marked as custom have a plugin defined meaning, core does not touch them. Create a new linked table if you need even more custom fields.';
CREATE INDEX mdl_enro_enr_ix ON mdl_enrol (enrol);
CREATE INDEX mdl_enro_cou_ix ON mdl_enrol (courseid);
CREATE INDEX mdl_enro_rol_ix ON mdl_enrol (roleid);

CREATE TABLE mdl_user_enrolments (
    id BIGSERIAL,
    status BIGINT NOT NULL DEFAULT 0,
    enrolid BIGINT NOT NULL,
    userid BIGINT NOT NULL,
    timestart BIGINT NOT NULL DEFAULT 0,
    timeend BIGINT NOT NULL DEFAULT 2147483647,
    modifierid BIGINT NOT NULL DEFAULT 0,
    timecreated BIGINT NOT NULL DEFAULT 0,
    timemodified BIGINT NOT NULL DEFAULT 0,
CONSTRAINT mdl_userenro_id_pk PRIMARY KEY (id)
);
COMMENT ON TABLE mdl_user_enrolments IS 'Users participating in courses (aka enrolled users) - everybody who is participating/visible in course, that means both teachers and students';
CREATE UNIQUE INDEX mdl_userenro_enruse_uix ON mdl_user_enrolments (enrolid, userid);
CREATE INDEX mdl_userenro_enr_ix ON mdl_user_enrolments (enrolid);
CREATE INDEX mdl_userenro_use_ix ON mdl_user_enrolments (userid);
CREATE INDEX mdl_userenro_mod_ix ON mdl_user_enrolments (modifierid);

CREATE TABLE mdl_user (
    id BIGSERIAL,
    auth VARCHAR(20) NOT NULL DEFAULT 'manual',
    confirmed SMALLINT NOT NULL DEFAULT 0,
    policyagreed SMALLINT NOT NULL DEFAULT 0,
    deleted SMALLINT NOT NULL DEFAULT 0,
    suspended SMALLINT NOT NULL DEFAULT 0,
    mnethostid BIGINT NOT NULL DEFAULT 0,
    username VARCHAR(100) NOT NULL DEFAULT '',
    password VARCHAR(255) NOT NULL DEFAULT '',
    idnumber VARCHAR(255) NOT NULL DEFAULT '',
    firstname VARCHAR(100) NOT NULL DEFAULT '',
    lastname VARCHAR(100) NOT NULL DEFAULT '',
    email VARCHAR(100) NOT NULL DEFAULT '',
    emailstop SMALLINT NOT NULL DEFAULT 0,
    phone1 VARCHAR(20) NOT NULL DEFAULT '',
    phone2 VARCHAR(20) NOT NULL DEFAULT '',
    institution VARCHAR(255) NOT NULL DEFAULT '',
    department VARCHAR(255) NOT NULL DEFAULT '',
    address VARCHAR(255) NOT NULL DEFAULT '',
    city VARCHAR(120) NOT NULL DEFAULT '',
    country VARCHAR(2) NOT NULL DEFAULT '',
    lang VARCHAR(30) NOT NULL DEFAULT 'en',
    calendartype VARCHAR(30) NOT NULL DEFAULT 'gregorian',
    theme VARCHAR(50) NOT NULL DEFAULT '',
    timezone VARCHAR(100) NOT NULL DEFAULT '99',
    firstaccess BIGINT NOT NULL DEFAULT 0,
    lastaccess BIGINT NOT NULL DEFAULT 0,
    lastlogin BIGINT NOT NULL DEFAULT 0,
    currentlogin BIGINT NOT NULL DEFAULT 0,
    lastip VARCHAR(45) NOT NULL DEFAULT '',
    secret VARCHAR(15) NOT NULL DEFAULT '',
    picture BIGINT NOT NULL DEFAULT 0,
    description TEXT,
    descriptionformat SMALLINT NOT NULL DEFAULT 1,
    mailformat SMALLINT NOT NULL DEFAULT 1,
    maildigest SMALLINT NOT NULL DEFAULT 0,
    maildisplay SMALLINT NOT NULL DEFAULT 2,
    autosubscribe SMALLINT NOT NULL DEFAULT 1,
    trackforums SMALLINT NOT NULL DEFAULT 0,
    timecreated BIGINT NOT NULL DEFAULT 0,
    timemodified BIGINT NOT NULL DEFAULT 0,
    trustbitmask BIGINT NOT NULL DEFAULT 0,
    imagealt VARCHAR(255),
    lastnamephonetic VARCHAR(255),
    firstnamephonetic VARCHAR(255),
    middlename VARCHAR(255),
    alternatename VARCHAR(255),
    moodlenetprofile VARCHAR(255),
CONSTRAINT mdl_user_id_pk PRIMARY KEY (id)
);
COMMENT ON TABLE mdl_user IS 'One record for each person';
CREATE UNIQUE INDEX mdl_user_mneuse_uix ON mdl_user (mnethostid, username);
CREATE INDEX mdl_user_del_ix ON mdl_user (deleted);
CREATE INDEX mdl_user_con_ix ON mdl_user (confirmed);
CREATE INDEX mdl_user_fir_ix ON mdl_user (firstname);
CREATE INDEX mdl_user_las_ix ON mdl_user (lastname);
CREATE INDEX mdl_user_cit_ix ON mdl_user (city);
CREATE INDEX mdl_user_cou_ix ON mdl_user (country);
CREATE INDEX mdl_user_las2_ix ON mdl_user (lastaccess);
CREATE INDEX mdl_user_ema_ix ON mdl_user (email);
CREATE INDEX mdl_user_aut_ix ON mdl_user (auth);
CREATE INDEX mdl_user_idn_ix ON mdl_user (idnumber);
CREATE INDEX mdl_user_fir2_ix ON mdl_user (firstnamephonetic);
CREATE INDEX mdl_user_las3_ix ON mdl_user (lastnamephonetic);
CREATE INDEX mdl_user_mid_ix ON mdl_user (middlename);
CREATE INDEX mdl_user_alt_ix ON mdl_user (alternatename);

CREATE TABLE mdl_user_preferences (
    id BIGSERIAL,
    userid BIGINT NOT NULL DEFAULT 0,
    name VARCHAR(255) NOT NULL DEFAULT '',
    value TEXT NOT NULL,
CONSTRAINT mdl_userpref_id_pk PRIMARY KEY (id)
);
COMMENT ON TABLE mdl_user_preferences IS 'Allows modules to store arbitrary user preferences';
CREATE UNIQUE INDEX mdl_userpref_usenam_uix ON mdl_user_preferences (userid, name);
CREATE INDEX mdl_userpref_nam_ix ON mdl_user_preferences (name);

CREATE TABLE mdl_role (
    id BIGSERIAL,
    name VARCHAR(255) NOT NULL DEFAULT '',
    shortname VARCHAR(100) NOT NULL DEFAULT '',
    description TEXT NOT NULL,
    sortorder BIGINT NOT NULL DEFAULT 0,
    archetype VARCHAR(30) NOT NULL DEFAULT '',
CONSTRAINT mdl_role_id_pk PRIMARY KEY (id)
);
COMMENT ON TABLE mdl_role IS 'moodle roles';
CREATE UNIQUE INDEX mdl_role_sor_uix ON mdl_role (sortorder);
CREATE UNIQUE INDEX mdl_role_sho_uix ON mdl_role (shortname);

CREATE TABLE mdl_context (
    id BIGSERIAL,
    contextlevel BIGINT NOT NULL DEFAULT 0,
    instanceid BIGINT NOT NULL DEFAULT 0,
    path VARCHAR(255),
    depth SMALLINT NOT NULL DEFAULT 0,
    locked SMALLINT NOT NULL DEFAULT 0,
CONSTRAINT mdl_cont_id_pk PRIMARY KEY (id)
);
COMMENT ON TABLE mdl_context IS 'one of these must be set';
CREATE UNIQUE INDEX mdl_cont_conins_uix ON mdl_context (contextlevel, instanceid);
CREATE INDEX mdl_cont_ins_ix ON mdl_context (instanceid);
CREATE INDEX mdl_cont_pat_ix ON mdl_context (path);
CREATE INDEX mdl_cont_pat_ix_pattern ON mdl_context USING btree (path varchar_pattern_ops);

CREATE TABLE mdl_role_assignments (
    id BIGSERIAL,
    roleid BIGINT NOT NULL DEFAULT 0,
    contextid BIGINT NOT NULL DEFAULT 0,
    userid BIGINT NOT NULL DEFAULT 0,
    timemodified BIGINT NOT NULL DEFAULT 0,
    modifierid BIGINT NOT NULL DEFAULT 0,
    component VARCHAR(100) NOT NULL DEFAULT '',
    itemid BIGINT NOT NULL DEFAULT 0,
    sortorder BIGINT NOT NULL DEFAULT 0,
CONSTRAINT mdl_roleassi_id_pk PRIMARY KEY (id)
);
COMMENT ON TABLE mdl_role_assignments IS 'assigning roles in different context';
CREATE INDEX mdl_roleassi_sor_ix ON mdl_role_assignments (sortorder);
CREATE INDEX mdl_roleassi_rolcon_ix ON mdl_role_assignments (roleid, contextid);
CREATE INDEX mdl_roleassi_useconrol_ix ON mdl_role_assignments (userid, contextid, roleid);
CREATE INDEX mdl_roleassi_comiteuse_ix ON mdl_role_assignments (component, itemid, userid);
CREATE INDEX mdl_roleassi_rol_ix ON mdl_role_assignments (roleid);
CREATE INDEX mdl_roleassi_con_ix ON mdl_role_assignments (contextid);
CREATE INDEX mdl_roleassi_use_ix ON mdl_role_assignments (userid);

CREATE TABLE mdl_user_info_category (
    id BIGSERIAL,
    name VARCHAR(255) NOT NULL DEFAULT '',
    sortorder BIGINT NOT NULL DEFAULT 0,
CONSTRAINT mdl_userinfocate_id_pk PRIMARY KEY (id)
);
COMMENT ON TABLE mdl_user_info_category IS 'Customisable fields categories';

CREATE TABLE mdl_user_info_field (
    id BIGSERIAL,
    shortname VARCHAR(255) NOT NULL DEFAULT 'shortname',
    name TEXT NOT NULL,
    datatype VARCHAR(255) NOT NULL DEFAULT '',
    description TEXT,
    descriptionformat SMALLINT NOT NULL DEFAULT 0,
    categoryid BIGINT NOT NULL DEFAULT 0,
    sortorder BIGINT NOT NULL DEFAULT 0,
    required SMALLINT NOT NULL DEFAULT 0,
    locked SMALLINT NOT NULL DEFAULT 0,
    visible SMALLINT NOT NULL DEFAULT 0,
    forceunique SMALLINT NOT NULL DEFAULT 0,
    signup SMALLINT NOT NULL DEFAULT 0,
    defaultdata TEXT,
    defaultdataformat SMALLINT NOT NULL DEFAULT 0,
    param1 TEXT,
    param2 TEXT,
    param3 TEXT,
    param4 TEXT,
    param5 TEXT,
CONSTRAINT mdl_userinfofiel_id_pk PRIMARY KEY (id)
);
COMMENT ON TABLE mdl_user_info_field IS 'Customisable user profile fields';

CREATE TABLE mdl_user_info_data (
    id BIGSERIAL,
    userid BIGINT NOT NULL DEFAULT 0,
    fieldid BIGINT NOT NULL DEFAULT 0,
    data TEXT NOT NULL,
    dataformat SMALLINT NOT NULL DEFAULT 0,
CONSTRAINT mdl_userinfodata_id_pk PRIMARY KEY (id)
);
COMMENT ON TABLE mdl_user_info_data IS 'Data for the customisable user fields';
CREATE UNIQUE INDEX mdl_userinfodata_usefie_uix ON mdl_user_info_data (userid, fieldid);

CREATE TABLE mdl_groups (
    id BIGSERIAL,
    courseid BIGINT NOT NULL,
    idnumber VARCHAR(100) NOT NULL DEFAULT '',
    name VARCHAR(254) NOT NULL DEFAULT '',
    description TEXT,
    descriptionformat SMALLINT NOT NULL DEFAULT 0,
    enrolmentkey VARCHAR(50),
    picture BIGINT NOT NULL DEFAULT 0,
    visibility SMALLINT NOT NULL DEFAULT 0,
    participation SMALLINT NOT NULL DEFAULT 1,
    timecreated BIGINT NOT NULL DEFAULT 0,
    timemodified BIGINT NOT NULL DEFAULT 0,
CONSTRAINT mdl_grou_id_pk PRIMARY KEY (id)
);
COMMENT ON TABLE mdl_groups IS 'Each record represents a group.';
CREATE INDEX mdl_grou_idn_ix ON mdl_groups (idnumber);
CREATE INDEX mdl_grou_cou_ix ON mdl_groups (courseid);

CREATE TABLE mdl_groups_members (
    id BIGSERIAL,
    groupid BIGINT NOT NULL DEFAULT 0,
    userid BIGINT NOT NULL DEFAULT 0,
    timeadded BIGINT NOT NULL DEFAULT 0,
    component VARCHAR(100) NOT NULL DEFAULT '',
    itemid BIGINT NOT NULL DEFAULT 0,
CONSTRAINT mdl_groumemb_id_pk PRIMARY KEY (id)
);
COMMENT ON TABLE mdl_groups_members IS 'Link a user to a group.';
CREATE INDEX mdl_groumemb_gro_ix ON mdl_groups_members (groupid);
CREATE INDEX mdl_groumemb_use_ix ON mdl_groups_members (userid);
CREATE UNIQUE INDEX mdl_groumemb_usegro_uix ON mdl_groups_members (userid, groupid);

CREATE TABLE mdl_cohort (
    id BIGSERIAL,
    contextid BIGINT NOT NULL,
    name VARCHAR(254) NOT NULL DEFAULT '',
    idnumber VARCHAR(100),
    description TEXT,
    descriptionformat SMALLINT NOT NULL,
    visible SMALLINT NOT NULL DEFAULT 1,
    component VARCHAR(100) NOT NULL DEFAULT '',
    timecreated BIGINT NOT NULL,
    timemodified BIGINT NOT NULL,
    theme VARCHAR(50),
CONSTRAINT mdl_coho_id_pk PRIMARY KEY (id)
);
COMMENT ON TABLE mdl_cohort IS 'Each record represents one cohort (aka site-wide group).';
CREATE INDEX mdl_coho_con_ix ON mdl_cohort (contextid);

CREATE TABLE mdl_cohort_members (
    id BIGSERIAL,
    cohortid BIGINT NOT NULL DEFAULT 0,
    userid BIGINT NOT NULL DEFAULT 0,
    timeadded BIGINT NOT NULL DEFAULT 0,
CONSTRAINT mdl_cohomemb_id_pk PRIMARY KEY (id)
);
COMMENT ON TABLE mdl_cohort_members IS 'Link a user to a cohort.';
CREATE UNIQUE INDEX mdl_cohomemb_cohuse_uix ON mdl_cohort_members (cohortid, userid);
CREATE INDEX mdl_cohomemb_coh_ix ON mdl_cohort_members (cohortid);
CREATE INDEX mdl_cohomemb_use_ix ON mdl_cohort_members (userid);

CREATE TABLE mdl_cache_flags (
    id BIGSERIAL,
    flagtype VARCHAR(255) NOT NULL DEFAULT '',
    name VARCHAR(255) NOT NULL DEFAULT '',
    timemodified BIGINT NOT NULL DEFAULT 0,
    value TEXT NOT NULL,
    expiry BIGINT NOT NULL,
CONSTRAINT mdl_cachflag_id_pk PRIMARY KEY (id)
);
COMMENT ON TABLE mdl_cache_flags IS 'Cache of time-sensitive flags';
CREATE INDEX mdl_cachflag_fla_ix ON mdl_cache_flags (flagtype);
CREATE INDEX mdl_cachflag_nam_ix ON mdl_cache_flags (name);

CREATE TABLE mdl_logstore_standard_log (
    id BIGSERIAL,
    eventname VARCHAR(255) NOT NULL DEFAULT '',
    component VARCHAR(100) NOT NULL DEFAULT '',
    action VARCHAR(100) NOT NULL DEFAULT '',
    target VARCHAR(100) NOT NULL DEFAULT '',
    objecttable VARCHAR(50),
    objectid BIGINT,
    crud VARCHAR(1) NOT NULL DEFAULT '',
    edulevel SMALLINT NOT NULL,
    contextid BIGINT NOT NULL,
    contextlevel BIGINT NOT NULL,
    contextinstanceid BIGINT NOT NULL,
    userid BIGINT NOT NULL,
    courseid BIGINT,
    relateduserid BIGINT,
    anonymous SMALLINT NOT NULL DEFAULT 0,
    other TEXT,
    timecreated BIGINT NOT NULL,
    origin VARCHAR(10),
    ip VARCHAR(45),
    realuserid BIGINT,
CONSTRAINT mdl_logsstanlog_id_pk PRIMARY KEY (id)
);
COMMENT ON TABLE mdl_logstore_standard_log IS 'Standard log table';
CREATE INDEX mdl_logsstanlog_tim_ix ON mdl_logstore_standard_log (timecreated);
CREATE INDEX mdl_logsstanlog_couanotim_ix ON mdl_logstore_standard_log (courseid, anonymous, timecreated);
CREATE INDEX mdl_logsstanlog_useconconcr_ix ON mdl_logstore_standard_log (userid, contextlevel, contextinstanceid, crud, edulevel, timecreated);
CREATE INDEX mdl_logsstanlog_con_ix ON mdl_logstore_standard_log (contextid);
CREATE INDEX mdl_logsstanlog_use_ix ON mdl_logstore_standard_log (userid);
CREATE INDEX mdl_logsstanlog_cou_ix ON mdl_logstore_standard_log (courseid);
CREATE INDEX mdl_logsstanlog_rea_ix ON mdl_logstore_standard_log (realuserid);
CREATE INDEX mdl_logsstanlog_rel_ix ON mdl_logstore_standard_log (relateduserid);

-- ---------------------------------------------------------------------------
-- Seed: the rows a fresh Moodle install has in these tables, with the ids it
-- produces. Source: xmldb_main_install() (lib/db/install.php) and the admin
-- setting defaults that the installer writes (admin_apply_default_settings()).
-- Timestamps are 0 here (a real install stores time()); password hashes are
-- left empty (a real install stores the hash of 'guest' for the guest user and
-- of the installer's admin password for the admin user). Values that depend on
-- the installer's choices (language 'en', admin lastip '0.0.0.0' for a CLI
-- install) are those of a CLI install in English.
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
-- Moodle resets sequences after explicit-id inserts (postgres_sql_generator::getResetSequenceSQL).
ALTER SEQUENCE mdl_context_id_seq RESTART WITH 6;
ALTER SEQUENCE mdl_course_id_seq RESTART WITH 2;
ALTER SEQUENCE mdl_course_categories_id_seq RESTART WITH 2;
ALTER SEQUENCE mdl_user_id_seq RESTART WITH 3;
ALTER SEQUENCE mdl_role_id_seq RESTART WITH 9;
