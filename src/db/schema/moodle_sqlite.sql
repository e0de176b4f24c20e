-- Moodle database schema, subset for moodle-sync -- SQLite
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
-- rules of Moodle's XMLDB generator (lib/ddl/sql_generator.php + sqlite_sql_generator.php).
-- Table prefix: mdl_ (Moodle's default $CFG->prefix). Index names are the ones a fresh
-- install creates (getNameForObject(): prefix + 4 chars of each table-name word + '_' +
-- 3 chars of each field + suffix pk/uix/ix; max 30 chars; clashes get a counter).
-- Foreign keys in install.xml are NOT created as constraints; Moodle only creates a
-- plain index for each (unique keys become unique indexes).
-- docs/moodle-database.md says which of these tables moodle-sync reads and writes, and how.
-- SQLite generator: INTEGER(n) for ints, no table comments, the sequence column is
-- 'INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL' and no separate PK constraint.

CREATE TABLE mdl_config (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    name VARCHAR(255) NOT NULL DEFAULT '',
    value TEXT NOT NULL
);
CREATE UNIQUE INDEX mdl_conf_nam_uix ON mdl_config (name);

CREATE TABLE mdl_config_plugins (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    plugin VARCHAR(100) NOT NULL DEFAULT 'core',
    name VARCHAR(100) NOT NULL DEFAULT '',
    value TEXT NOT NULL
);
CREATE UNIQUE INDEX mdl_confplug_plunam_uix ON mdl_config_plugins (plugin, name);

CREATE TABLE mdl_course (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    category INTEGER(10) NOT NULL DEFAULT 0,
    sortorder INTEGER(10) NOT NULL DEFAULT 0,
    fullname VARCHAR(1333) NOT NULL DEFAULT '',
    shortname VARCHAR(255) NOT NULL DEFAULT '',
    idnumber VARCHAR(100) NOT NULL DEFAULT '',
    summary TEXT,
    summaryformat INTEGER(2) NOT NULL DEFAULT 0,
    format VARCHAR(21) NOT NULL DEFAULT 'topics',
    showgrades INTEGER(2) NOT NULL DEFAULT 1,
    newsitems INTEGER(5) NOT NULL DEFAULT 1,
    startdate INTEGER(10) NOT NULL DEFAULT 0,
    enddate INTEGER(10) NOT NULL DEFAULT 0,
    relativedatesmode INTEGER(1) NOT NULL DEFAULT 0,
    marker INTEGER(10) NOT NULL DEFAULT 0,
    maxbytes INTEGER(10) NOT NULL DEFAULT 0,
    legacyfiles INTEGER(4) NOT NULL DEFAULT 0,
    showreports INTEGER(4) NOT NULL DEFAULT 0,
    visible INTEGER(1) NOT NULL DEFAULT 1,
    visibleold INTEGER(1) NOT NULL DEFAULT 1,
    downloadcontent INTEGER(1),
    groupmode INTEGER(4) NOT NULL DEFAULT 0,
    groupmodeforce INTEGER(4) NOT NULL DEFAULT 0,
    defaultgroupingid INTEGER(10) NOT NULL DEFAULT 0,
    lang VARCHAR(30) NOT NULL DEFAULT '',
    calendartype VARCHAR(30) NOT NULL DEFAULT '',
    theme VARCHAR(50) NOT NULL DEFAULT '',
    timecreated INTEGER(10) NOT NULL DEFAULT 0,
    timemodified INTEGER(10) NOT NULL DEFAULT 0,
    requested INTEGER(1) NOT NULL DEFAULT 0,
    enablecompletion INTEGER(1) NOT NULL DEFAULT 0,
    completionnotify INTEGER(1) NOT NULL DEFAULT 0,
    cacherev INTEGER(10) NOT NULL DEFAULT 0,
    originalcourseid INTEGER(10),
    showactivitydates INTEGER(1) NOT NULL DEFAULT 1,
    showcompletionconditions INTEGER(1),
    pdfexportfont VARCHAR(50),
    enableaitools INTEGER(1)
);
CREATE INDEX mdl_cour_cat_ix ON mdl_course (category);
CREATE INDEX mdl_cour_idn_ix ON mdl_course (idnumber);
CREATE INDEX mdl_cour_sho_ix ON mdl_course (shortname);
CREATE INDEX mdl_cour_sor_ix ON mdl_course (sortorder);
CREATE INDEX mdl_cour_ori_ix ON mdl_course (originalcourseid);

CREATE TABLE mdl_course_categories (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    name VARCHAR(255) NOT NULL DEFAULT '',
    idnumber VARCHAR(100),
    description TEXT,
    descriptionformat INTEGER(2) NOT NULL DEFAULT 0,
    parent INTEGER(10) NOT NULL DEFAULT 0,
    sortorder INTEGER(10) NOT NULL DEFAULT 0,
    coursecount INTEGER(10) NOT NULL DEFAULT 0,
    visible INTEGER(1) NOT NULL DEFAULT 1,
    visibleold INTEGER(1) NOT NULL DEFAULT 1,
    timemodified INTEGER(10) NOT NULL DEFAULT 0,
    depth INTEGER(10) NOT NULL DEFAULT 0,
    path VARCHAR(255) NOT NULL DEFAULT '',
    theme VARCHAR(50)
);
CREATE INDEX mdl_courcate_par_ix ON mdl_course_categories (parent);

CREATE TABLE mdl_enrol (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    enrol VARCHAR(20) NOT NULL DEFAULT '',
    status INTEGER(10) NOT NULL DEFAULT 0,
    courseid INTEGER(10) NOT NULL,
    sortorder INTEGER(10) NOT NULL DEFAULT 0,
    name VARCHAR(255),
    enrolperiod INTEGER(10) DEFAULT 0,
    enrolstartdate INTEGER(10) DEFAULT 0,
    enrolenddate INTEGER(10) DEFAULT 0,
    expirynotify INTEGER(1) DEFAULT 0,
    expirythreshold INTEGER(10) DEFAULT 0,
    notifyall INTEGER(1) DEFAULT 0,
    password VARCHAR(50),
    cost VARCHAR(20),
    currency VARCHAR(3),
    roleid INTEGER(10) DEFAULT 0,
    customint1 INTEGER(10),
    customint2 INTEGER(10),
    customint3 INTEGER(10),
    customint4 INTEGER(10),
    customint5 INTEGER(10),
    customint6 INTEGER(10),
    customint7 INTEGER(10),
    customint8 INTEGER(10),
    customchar1 VARCHAR(255),
    customchar2 VARCHAR(255),
    customchar3 VARCHAR(1333),
    customdec1 NUMERIC(12,7),
    customdec2 NUMERIC(12,7),
    customtext1 TEXT,
    customtext2 TEXT,
    customtext3 TEXT,
    customtext4 TEXT,
    timecreated INTEGER(10) NOT NULL DEFAULT 0,
    timemodified INTEGER(10) NOT NULL DEFAULT 0
);
CREATE INDEX mdl_enro_enr_ix ON mdl_enrol (enrol);
CREATE INDEX mdl_enro_cou_ix ON mdl_enrol (courseid);
CREATE INDEX mdl_enro_rol_ix ON mdl_enrol (roleid);

CREATE TABLE mdl_user_enrolments (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    status INTEGER(10) NOT NULL DEFAULT 0,
    enrolid INTEGER(10) NOT NULL,
    userid INTEGER(10) NOT NULL,
    timestart INTEGER(10) NOT NULL DEFAULT 0,
    timeend INTEGER(10) NOT NULL DEFAULT 2147483647,
    modifierid INTEGER(10) NOT NULL DEFAULT 0,
    timecreated INTEGER(10) NOT NULL DEFAULT 0,
    timemodified INTEGER(10) NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX mdl_userenro_enruse_uix ON mdl_user_enrolments (enrolid, userid);
CREATE INDEX mdl_userenro_enr_ix ON mdl_user_enrolments (enrolid);
CREATE INDEX mdl_userenro_use_ix ON mdl_user_enrolments (userid);
CREATE INDEX mdl_userenro_mod_ix ON mdl_user_enrolments (modifierid);

CREATE TABLE mdl_user (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    auth VARCHAR(20) NOT NULL DEFAULT 'manual',
    confirmed INTEGER(1) NOT NULL DEFAULT 0,
    policyagreed INTEGER(1) NOT NULL DEFAULT 0,
    deleted INTEGER(1) NOT NULL DEFAULT 0,
    suspended INTEGER(1) NOT NULL DEFAULT 0,
    mnethostid INTEGER(10) NOT NULL DEFAULT 0,
    username VARCHAR(100) NOT NULL DEFAULT '',
    password VARCHAR(255) NOT NULL DEFAULT '',
    idnumber VARCHAR(255) NOT NULL DEFAULT '',
    firstname VARCHAR(100) NOT NULL DEFAULT '',
    lastname VARCHAR(100) NOT NULL DEFAULT '',
    email VARCHAR(100) NOT NULL DEFAULT '',
    emailstop INTEGER(1) NOT NULL DEFAULT 0,
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
    firstaccess INTEGER(10) NOT NULL DEFAULT 0,
    lastaccess INTEGER(10) NOT NULL DEFAULT 0,
    lastlogin INTEGER(10) NOT NULL DEFAULT 0,
    currentlogin INTEGER(10) NOT NULL DEFAULT 0,
    lastip VARCHAR(45) NOT NULL DEFAULT '',
    secret VARCHAR(15) NOT NULL DEFAULT '',
    picture INTEGER(10) NOT NULL DEFAULT 0,
    description TEXT,
    descriptionformat INTEGER(2) NOT NULL DEFAULT 1,
    mailformat INTEGER(1) NOT NULL DEFAULT 1,
    maildigest INTEGER(1) NOT NULL DEFAULT 0,
    maildisplay INTEGER(2) NOT NULL DEFAULT 2,
    autosubscribe INTEGER(1) NOT NULL DEFAULT 1,
    trackforums INTEGER(1) NOT NULL DEFAULT 0,
    timecreated INTEGER(10) NOT NULL DEFAULT 0,
    timemodified INTEGER(10) NOT NULL DEFAULT 0,
    trustbitmask INTEGER(10) NOT NULL DEFAULT 0,
    imagealt VARCHAR(255),
    lastnamephonetic VARCHAR(255),
    firstnamephonetic VARCHAR(255),
    middlename VARCHAR(255),
    alternatename VARCHAR(255),
    moodlenetprofile VARCHAR(255)
);
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
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    userid INTEGER(10) NOT NULL DEFAULT 0,
    name VARCHAR(255) NOT NULL DEFAULT '',
    value TEXT NOT NULL
);
CREATE UNIQUE INDEX mdl_userpref_usenam_uix ON mdl_user_preferences (userid, name);
CREATE INDEX mdl_userpref_nam_ix ON mdl_user_preferences (name);

CREATE TABLE mdl_role (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    name VARCHAR(255) NOT NULL DEFAULT '',
    shortname VARCHAR(100) NOT NULL DEFAULT '',
    description TEXT NOT NULL,
    sortorder INTEGER(10) NOT NULL DEFAULT 0,
    archetype VARCHAR(30) NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX mdl_role_sor_uix ON mdl_role (sortorder);
CREATE UNIQUE INDEX mdl_role_sho_uix ON mdl_role (shortname);

CREATE TABLE mdl_context (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    contextlevel INTEGER(10) NOT NULL DEFAULT 0,
    instanceid INTEGER(10) NOT NULL DEFAULT 0,
    path VARCHAR(255),
    depth INTEGER(2) NOT NULL DEFAULT 0,
    locked INTEGER(2) NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX mdl_cont_conins_uix ON mdl_context (contextlevel, instanceid);
CREATE INDEX mdl_cont_ins_ix ON mdl_context (instanceid);
CREATE INDEX mdl_cont_pat_ix ON mdl_context (path);

CREATE TABLE mdl_role_assignments (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    roleid INTEGER(10) NOT NULL DEFAULT 0,
    contextid INTEGER(10) NOT NULL DEFAULT 0,
    userid INTEGER(10) NOT NULL DEFAULT 0,
    timemodified INTEGER(10) NOT NULL DEFAULT 0,
    modifierid INTEGER(10) NOT NULL DEFAULT 0,
    component VARCHAR(100) NOT NULL DEFAULT '',
    itemid INTEGER(10) NOT NULL DEFAULT 0,
    sortorder INTEGER(10) NOT NULL DEFAULT 0
);
CREATE INDEX mdl_roleassi_sor_ix ON mdl_role_assignments (sortorder);
CREATE INDEX mdl_roleassi_rolcon_ix ON mdl_role_assignments (roleid, contextid);
CREATE INDEX mdl_roleassi_useconrol_ix ON mdl_role_assignments (userid, contextid, roleid);
CREATE INDEX mdl_roleassi_comiteuse_ix ON mdl_role_assignments (component, itemid, userid);
CREATE INDEX mdl_roleassi_rol_ix ON mdl_role_assignments (roleid);
CREATE INDEX mdl_roleassi_con_ix ON mdl_role_assignments (contextid);
CREATE INDEX mdl_roleassi_use_ix ON mdl_role_assignments (userid);

CREATE TABLE mdl_user_info_category (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    name VARCHAR(255) NOT NULL DEFAULT '',
    sortorder INTEGER(10) NOT NULL DEFAULT 0
);

CREATE TABLE mdl_user_info_field (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    shortname VARCHAR(255) NOT NULL DEFAULT 'shortname',
    name TEXT NOT NULL,
    datatype VARCHAR(255) NOT NULL DEFAULT '',
    description TEXT,
    descriptionformat INTEGER(2) NOT NULL DEFAULT 0,
    categoryid INTEGER(10) NOT NULL DEFAULT 0,
    sortorder INTEGER(10) NOT NULL DEFAULT 0,
    required INTEGER(2) NOT NULL DEFAULT 0,
    locked INTEGER(2) NOT NULL DEFAULT 0,
    visible INTEGER(4) NOT NULL DEFAULT 0,
    forceunique INTEGER(2) NOT NULL DEFAULT 0,
    signup INTEGER(2) NOT NULL DEFAULT 0,
    defaultdata TEXT,
    defaultdataformat INTEGER(2) NOT NULL DEFAULT 0,
    param1 TEXT,
    param2 TEXT,
    param3 TEXT,
    param4 TEXT,
    param5 TEXT
);

CREATE TABLE mdl_user_info_data (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    userid INTEGER(10) NOT NULL DEFAULT 0,
    fieldid INTEGER(10) NOT NULL DEFAULT 0,
    data TEXT NOT NULL,
    dataformat INTEGER(2) NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX mdl_userinfodata_usefie_uix ON mdl_user_info_data (userid, fieldid);

CREATE TABLE mdl_groups (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    courseid INTEGER(10) NOT NULL,
    idnumber VARCHAR(100) NOT NULL DEFAULT '',
    name VARCHAR(254) NOT NULL DEFAULT '',
    description TEXT,
    descriptionformat INTEGER(2) NOT NULL DEFAULT 0,
    enrolmentkey VARCHAR(50),
    picture INTEGER(10) NOT NULL DEFAULT 0,
    visibility INTEGER(1) NOT NULL DEFAULT 0,
    participation INTEGER(1) NOT NULL DEFAULT 1,
    timecreated INTEGER(10) NOT NULL DEFAULT 0,
    timemodified INTEGER(10) NOT NULL DEFAULT 0
);
CREATE INDEX mdl_grou_idn_ix ON mdl_groups (idnumber);
CREATE INDEX mdl_grou_cou_ix ON mdl_groups (courseid);

CREATE TABLE mdl_groups_members (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    groupid INTEGER(10) NOT NULL DEFAULT 0,
    userid INTEGER(10) NOT NULL DEFAULT 0,
    timeadded INTEGER(10) NOT NULL DEFAULT 0,
    component VARCHAR(100) NOT NULL DEFAULT '',
    itemid INTEGER(10) NOT NULL DEFAULT 0
);
CREATE INDEX mdl_groumemb_gro_ix ON mdl_groups_members (groupid);
CREATE INDEX mdl_groumemb_use_ix ON mdl_groups_members (userid);
CREATE UNIQUE INDEX mdl_groumemb_usegro_uix ON mdl_groups_members (userid, groupid);

CREATE TABLE mdl_cohort (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    contextid INTEGER(10) NOT NULL,
    name VARCHAR(254) NOT NULL DEFAULT '',
    idnumber VARCHAR(100),
    description TEXT,
    descriptionformat INTEGER(2) NOT NULL,
    visible INTEGER(1) NOT NULL DEFAULT 1,
    component VARCHAR(100) NOT NULL DEFAULT '',
    timecreated INTEGER(10) NOT NULL,
    timemodified INTEGER(10) NOT NULL,
    theme VARCHAR(50)
);
CREATE INDEX mdl_coho_con_ix ON mdl_cohort (contextid);

CREATE TABLE mdl_cohort_members (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    cohortid INTEGER(10) NOT NULL DEFAULT 0,
    userid INTEGER(10) NOT NULL DEFAULT 0,
    timeadded INTEGER(10) NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX mdl_cohomemb_cohuse_uix ON mdl_cohort_members (cohortid, userid);
CREATE INDEX mdl_cohomemb_coh_ix ON mdl_cohort_members (cohortid);
CREATE INDEX mdl_cohomemb_use_ix ON mdl_cohort_members (userid);

CREATE TABLE mdl_cache_flags (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    flagtype VARCHAR(255) NOT NULL DEFAULT '',
    name VARCHAR(255) NOT NULL DEFAULT '',
    timemodified INTEGER(10) NOT NULL DEFAULT 0,
    value TEXT NOT NULL,
    expiry INTEGER(10) NOT NULL
);
CREATE INDEX mdl_cachflag_fla_ix ON mdl_cache_flags (flagtype);
CREATE INDEX mdl_cachflag_nam_ix ON mdl_cache_flags (name);

CREATE TABLE mdl_logstore_standard_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    eventname VARCHAR(255) NOT NULL DEFAULT '',
    component VARCHAR(100) NOT NULL DEFAULT '',
    action VARCHAR(100) NOT NULL DEFAULT '',
    target VARCHAR(100) NOT NULL DEFAULT '',
    objecttable VARCHAR(50),
    objectid INTEGER(10),
    crud VARCHAR(1) NOT NULL DEFAULT '',
    edulevel INTEGER(1) NOT NULL,
    contextid INTEGER(10) NOT NULL,
    contextlevel INTEGER(10) NOT NULL,
    contextinstanceid INTEGER(10) NOT NULL,
    userid INTEGER(10) NOT NULL,
    courseid INTEGER(10),
    relateduserid INTEGER(10),
    anonymous INTEGER(1) NOT NULL DEFAULT 0,
    other TEXT,
    timecreated INTEGER(10) NOT NULL,
    origin VARCHAR(10),
    ip VARCHAR(45),
    realuserid INTEGER(10)
);
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
-- No sequence reset is needed: with AUTOINCREMENT, SQLite records the largest id
-- inserted (explicit ones included) in sqlite_sequence.
