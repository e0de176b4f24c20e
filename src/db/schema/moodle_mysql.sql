-- Moodle database schema, subset for moodle-sync -- MySQL / MariaDB
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
-- rules of Moodle's XMLDB generator (lib/ddl/sql_generator.php + mysql_sql_generator.php).
-- Table prefix: mdl_ (Moodle's default $CFG->prefix). Index names are the ones a fresh
-- install creates (getNameForObject(): prefix + 4 chars of each table-name word + '_' +
-- 3 chars of each field + suffix pk/uix/ix; max 30 chars; clashes get a counter).
-- Foreign keys in install.xml are NOT created as constraints; Moodle only creates a
-- plain index for each (unique keys become unique indexes).
-- docs/moodle-database.md says which of these tables moodle-sync reads and writes, and how.
-- Moodle uses InnoDB + utf8mb4_unicode_ci; ROW_FORMAT is Compressed when the server supports it,
-- otherwise Dynamic (mysqli_native_moodle_database::get_row_format_sql). Dynamic is used here.
-- Table comments are cut to 60 chars, as Moodle's MySQL generator does.

CREATE TABLE mdl_config (
    id BIGINT(10) NOT NULL auto_increment,
    name VARCHAR(255) COLLATE utf8mb4_unicode_ci NOT NULL DEFAULT '',
    value LONGTEXT COLLATE utf8mb4_unicode_ci NOT NULL,
CONSTRAINT  PRIMARY KEY (id)
, UNIQUE KEY mdl_conf_nam_uix (name)
)
 ENGINE = InnoDB
 DEFAULT COLLATE = utf8mb4_unicode_ci ROW_FORMAT=Dynamic
 COMMENT='Moodle configuration variables';

CREATE TABLE mdl_config_plugins (
    id BIGINT(10) NOT NULL auto_increment,
    plugin VARCHAR(100) COLLATE utf8mb4_unicode_ci NOT NULL DEFAULT 'core',
    name VARCHAR(100) COLLATE utf8mb4_unicode_ci NOT NULL DEFAULT '',
    value LONGTEXT COLLATE utf8mb4_unicode_ci NOT NULL,
CONSTRAINT  PRIMARY KEY (id)
, UNIQUE KEY mdl_confplug_plunam_uix (plugin, name)
)
 ENGINE = InnoDB
 DEFAULT COLLATE = utf8mb4_unicode_ci ROW_FORMAT=Dynamic
 COMMENT='Moodle modules and plugins configuration variables';

CREATE TABLE mdl_course (
    id BIGINT(10) NOT NULL auto_increment,
    category BIGINT(10) NOT NULL DEFAULT 0,
    sortorder BIGINT(10) NOT NULL DEFAULT 0,
    fullname VARCHAR(1333) COLLATE utf8mb4_unicode_ci NOT NULL DEFAULT '',
    shortname VARCHAR(255) COLLATE utf8mb4_unicode_ci NOT NULL DEFAULT '',
    idnumber VARCHAR(100) COLLATE utf8mb4_unicode_ci NOT NULL DEFAULT '',
    summary LONGTEXT COLLATE utf8mb4_unicode_ci,
    summaryformat TINYINT(2) NOT NULL DEFAULT 0,
    format VARCHAR(21) COLLATE utf8mb4_unicode_ci NOT NULL DEFAULT 'topics',
    showgrades TINYINT(2) NOT NULL DEFAULT 1,
    newsitems MEDIUMINT(5) NOT NULL DEFAULT 1,
    startdate BIGINT(10) NOT NULL DEFAULT 0,
    enddate BIGINT(10) NOT NULL DEFAULT 0,
    relativedatesmode TINYINT(1) NOT NULL DEFAULT 0,
    marker BIGINT(10) NOT NULL DEFAULT 0,
    maxbytes BIGINT(10) NOT NULL DEFAULT 0,
    legacyfiles SMALLINT(4) NOT NULL DEFAULT 0,
    showreports SMALLINT(4) NOT NULL DEFAULT 0,
    visible TINYINT(1) NOT NULL DEFAULT 1,
    visibleold TINYINT(1) NOT NULL DEFAULT 1,
    downloadcontent TINYINT(1),
    groupmode SMALLINT(4) NOT NULL DEFAULT 0,
    groupmodeforce SMALLINT(4) NOT NULL DEFAULT 0,
    defaultgroupingid BIGINT(10) NOT NULL DEFAULT 0,
    lang VARCHAR(30) COLLATE utf8mb4_unicode_ci NOT NULL DEFAULT '',
    calendartype VARCHAR(30) COLLATE utf8mb4_unicode_ci NOT NULL DEFAULT '',
    theme VARCHAR(50) COLLATE utf8mb4_unicode_ci NOT NULL DEFAULT '',
    timecreated BIGINT(10) NOT NULL DEFAULT 0,
    timemodified BIGINT(10) NOT NULL DEFAULT 0,
    requested TINYINT(1) NOT NULL DEFAULT 0,
    enablecompletion TINYINT(1) NOT NULL DEFAULT 0,
    completionnotify TINYINT(1) NOT NULL DEFAULT 0,
    cacherev BIGINT(10) NOT NULL DEFAULT 0,
    originalcourseid BIGINT(10),
    showactivitydates TINYINT(1) NOT NULL DEFAULT 1,
    showcompletionconditions TINYINT(1),
    pdfexportfont VARCHAR(50) COLLATE utf8mb4_unicode_ci,
    enableaitools TINYINT(1),
CONSTRAINT  PRIMARY KEY (id)
, KEY mdl_cour_cat_ix (category)
, KEY mdl_cour_idn_ix (idnumber)
, KEY mdl_cour_sho_ix (shortname)
, KEY mdl_cour_sor_ix (sortorder)
, KEY mdl_cour_ori_ix (originalcourseid)
)
 ENGINE = InnoDB
 DEFAULT COLLATE = utf8mb4_unicode_ci ROW_FORMAT=Dynamic
 COMMENT='Central course table';

CREATE TABLE mdl_course_categories (
    id BIGINT(10) NOT NULL auto_increment,
    name VARCHAR(255) COLLATE utf8mb4_unicode_ci NOT NULL DEFAULT '',
    idnumber VARCHAR(100) COLLATE utf8mb4_unicode_ci,
    description LONGTEXT COLLATE utf8mb4_unicode_ci,
    descriptionformat TINYINT(2) NOT NULL DEFAULT 0,
    parent BIGINT(10) NOT NULL DEFAULT 0,
    sortorder BIGINT(10) NOT NULL DEFAULT 0,
    coursecount BIGINT(10) NOT NULL DEFAULT 0,
    visible TINYINT(1) NOT NULL DEFAULT 1,
    visibleold TINYINT(1) NOT NULL DEFAULT 1,
    timemodified BIGINT(10) NOT NULL DEFAULT 0,
    depth BIGINT(10) NOT NULL DEFAULT 0,
    path VARCHAR(255) COLLATE utf8mb4_unicode_ci NOT NULL DEFAULT '',
    theme VARCHAR(50) COLLATE utf8mb4_unicode_ci,
CONSTRAINT  PRIMARY KEY (id)
, KEY mdl_courcate_par_ix (parent)
)
 ENGINE = InnoDB
 DEFAULT COLLATE = utf8mb4_unicode_ci ROW_FORMAT=Dynamic
 COMMENT='Course categories';

CREATE TABLE mdl_enrol (
    id BIGINT(10) NOT NULL auto_increment,
    enrol VARCHAR(20) COLLATE utf8mb4_unicode_ci NOT NULL DEFAULT '',
    status BIGINT(10) NOT NULL DEFAULT 0,
    courseid BIGINT(10) NOT NULL,
    sortorder BIGINT(10) NOT NULL DEFAULT 0,
    name VARCHAR(255) COLLATE utf8mb4_unicode_ci,
    enrolperiod BIGINT(10) DEFAULT 0,
    enrolstartdate BIGINT(10) DEFAULT 0,
    enrolenddate BIGINT(10) DEFAULT 0,
    expirynotify TINYINT(1) DEFAULT 0,
    expirythreshold BIGINT(10) DEFAULT 0,
    notifyall TINYINT(1) DEFAULT 0,
    password VARCHAR(50) COLLATE utf8mb4_unicode_ci,
    cost VARCHAR(20) COLLATE utf8mb4_unicode_ci,
    currency VARCHAR(3) COLLATE utf8mb4_unicode_ci,
    roleid BIGINT(10) DEFAULT 0,
    customint1 BIGINT(10),
    customint2 BIGINT(10),
    customint3 BIGINT(10),
    customint4 BIGINT(10),
    customint5 BIGINT(10),
    customint6 BIGINT(10),
    customint7 BIGINT(10),
    customint8 BIGINT(10),
    customchar1 VARCHAR(255) COLLATE utf8mb4_unicode_ci,
    customchar2 VARCHAR(255) COLLATE utf8mb4_unicode_ci,
    customchar3 VARCHAR(1333) COLLATE utf8mb4_unicode_ci,
    customdec1 NUMERIC(12,7),
    customdec2 NUMERIC(12,7),
    customtext1 LONGTEXT COLLATE utf8mb4_unicode_ci,
    customtext2 LONGTEXT COLLATE utf8mb4_unicode_ci,
    customtext3 LONGTEXT COLLATE utf8mb4_unicode_ci,
    customtext4 LONGTEXT COLLATE utf8mb4_unicode_ci,
    timecreated BIGINT(10) NOT NULL DEFAULT 0,
    timemodified BIGINT(10) NOT NULL DEFAULT 0,
CONSTRAINT  PRIMARY KEY (id)
, KEY mdl_enro_enr_ix (enrol)
, KEY mdl_enro_cou_ix (courseid)
, KEY mdl_enro_rol_ix (roleid)
)
 ENGINE = InnoDB
 DEFAULT COLLATE = utf8mb4_unicode_ci ROW_FORMAT=Dynamic
 COMMENT='Instances of enrolment plugins used in courses, fields marke';

CREATE TABLE mdl_user_enrolments (
    id BIGINT(10) NOT NULL auto_increment,
    status BIGINT(10) NOT NULL DEFAULT 0,
    enrolid BIGINT(10) NOT NULL,
    userid BIGINT(10) NOT NULL,
    timestart BIGINT(10) NOT NULL DEFAULT 0,
    timeend BIGINT(10) NOT NULL DEFAULT 2147483647,
    modifierid BIGINT(10) NOT NULL DEFAULT 0,
    timecreated BIGINT(10) NOT NULL DEFAULT 0,
    timemodified BIGINT(10) NOT NULL DEFAULT 0,
CONSTRAINT  PRIMARY KEY (id)
, UNIQUE KEY mdl_userenro_enruse_uix (enrolid, userid)
, KEY mdl_userenro_enr_ix (enrolid)
, KEY mdl_userenro_use_ix (userid)
, KEY mdl_userenro_mod_ix (modifierid)
)
 ENGINE = InnoDB
 DEFAULT COLLATE = utf8mb4_unicode_ci ROW_FORMAT=Dynamic
 COMMENT='Users participating in courses (aka enrolled users) - everyb';

CREATE TABLE mdl_user (
    id BIGINT(10) NOT NULL auto_increment,
    auth VARCHAR(20) COLLATE utf8mb4_unicode_ci NOT NULL DEFAULT 'manual',
    confirmed TINYINT(1) NOT NULL DEFAULT 0,
    policyagreed TINYINT(1) NOT NULL DEFAULT 0,
    deleted TINYINT(1) NOT NULL DEFAULT 0,
    suspended TINYINT(1) NOT NULL DEFAULT 0,
    mnethostid BIGINT(10) NOT NULL DEFAULT 0,
    username VARCHAR(100) COLLATE utf8mb4_unicode_ci NOT NULL DEFAULT '',
    password VARCHAR(255) COLLATE utf8mb4_unicode_ci NOT NULL DEFAULT '',
    idnumber VARCHAR(255) COLLATE utf8mb4_unicode_ci NOT NULL DEFAULT '',
    firstname VARCHAR(100) COLLATE utf8mb4_unicode_ci NOT NULL DEFAULT '',
    lastname VARCHAR(100) COLLATE utf8mb4_unicode_ci NOT NULL DEFAULT '',
    email VARCHAR(100) COLLATE utf8mb4_unicode_ci NOT NULL DEFAULT '',
    emailstop TINYINT(1) NOT NULL DEFAULT 0,
    phone1 VARCHAR(20) COLLATE utf8mb4_unicode_ci NOT NULL DEFAULT '',
    phone2 VARCHAR(20) COLLATE utf8mb4_unicode_ci NOT NULL DEFAULT '',
    institution VARCHAR(255) COLLATE utf8mb4_unicode_ci NOT NULL DEFAULT '',
    department VARCHAR(255) COLLATE utf8mb4_unicode_ci NOT NULL DEFAULT '',
    address VARCHAR(255) COLLATE utf8mb4_unicode_ci NOT NULL DEFAULT '',
    city VARCHAR(120) COLLATE utf8mb4_unicode_ci NOT NULL DEFAULT '',
    country VARCHAR(2) COLLATE utf8mb4_unicode_ci NOT NULL DEFAULT '',
    lang VARCHAR(30) COLLATE utf8mb4_unicode_ci NOT NULL DEFAULT 'en',
    calendartype VARCHAR(30) COLLATE utf8mb4_unicode_ci NOT NULL DEFAULT 'gregorian',
    theme VARCHAR(50) COLLATE utf8mb4_unicode_ci NOT NULL DEFAULT '',
    timezone VARCHAR(100) COLLATE utf8mb4_unicode_ci NOT NULL DEFAULT '99',
    firstaccess BIGINT(10) NOT NULL DEFAULT 0,
    lastaccess BIGINT(10) NOT NULL DEFAULT 0,
    lastlogin BIGINT(10) NOT NULL DEFAULT 0,
    currentlogin BIGINT(10) NOT NULL DEFAULT 0,
    lastip VARCHAR(45) COLLATE utf8mb4_unicode_ci NOT NULL DEFAULT '',
    secret VARCHAR(15) COLLATE utf8mb4_unicode_ci NOT NULL DEFAULT '',
    picture BIGINT(10) NOT NULL DEFAULT 0,
    description LONGTEXT COLLATE utf8mb4_unicode_ci,
    descriptionformat TINYINT(2) NOT NULL DEFAULT 1,
    mailformat TINYINT(1) NOT NULL DEFAULT 1,
    maildigest TINYINT(1) NOT NULL DEFAULT 0,
    maildisplay TINYINT(2) NOT NULL DEFAULT 2,
    autosubscribe TINYINT(1) NOT NULL DEFAULT 1,
    trackforums TINYINT(1) NOT NULL DEFAULT 0,
    timecreated BIGINT(10) NOT NULL DEFAULT 0,
    timemodified BIGINT(10) NOT NULL DEFAULT 0,
    trustbitmask BIGINT(10) NOT NULL DEFAULT 0,
    imagealt VARCHAR(255) COLLATE utf8mb4_unicode_ci,
    lastnamephonetic VARCHAR(255) COLLATE utf8mb4_unicode_ci,
    firstnamephonetic VARCHAR(255) COLLATE utf8mb4_unicode_ci,
    middlename VARCHAR(255) COLLATE utf8mb4_unicode_ci,
    alternatename VARCHAR(255) COLLATE utf8mb4_unicode_ci,
    moodlenetprofile VARCHAR(255) COLLATE utf8mb4_unicode_ci,
CONSTRAINT  PRIMARY KEY (id)
, UNIQUE KEY mdl_user_mneuse_uix (mnethostid, username)
, KEY mdl_user_del_ix (deleted)
, KEY mdl_user_con_ix (confirmed)
, KEY mdl_user_fir_ix (firstname)
, KEY mdl_user_las_ix (lastname)
, KEY mdl_user_cit_ix (city)
, KEY mdl_user_cou_ix (country)
, KEY mdl_user_las2_ix (lastaccess)
, KEY mdl_user_ema_ix (email)
, KEY mdl_user_aut_ix (auth)
, KEY mdl_user_idn_ix (idnumber)
, KEY mdl_user_fir2_ix (firstnamephonetic)
, KEY mdl_user_las3_ix (lastnamephonetic)
, KEY mdl_user_mid_ix (middlename)
, KEY mdl_user_alt_ix (alternatename)
)
 ENGINE = InnoDB
 DEFAULT COLLATE = utf8mb4_unicode_ci ROW_FORMAT=Dynamic
 COMMENT='One record for each person';

CREATE TABLE mdl_user_preferences (
    id BIGINT(10) NOT NULL auto_increment,
    userid BIGINT(10) NOT NULL DEFAULT 0,
    name VARCHAR(255) COLLATE utf8mb4_unicode_ci NOT NULL DEFAULT '',
    value LONGTEXT COLLATE utf8mb4_unicode_ci NOT NULL,
CONSTRAINT  PRIMARY KEY (id)
, UNIQUE KEY mdl_userpref_usenam_uix (userid, name)
, KEY mdl_userpref_nam_ix (name)
)
 ENGINE = InnoDB
 DEFAULT COLLATE = utf8mb4_unicode_ci ROW_FORMAT=Dynamic
 COMMENT='Allows modules to store arbitrary user preferences';

CREATE TABLE mdl_role (
    id BIGINT(10) NOT NULL auto_increment,
    name VARCHAR(255) COLLATE utf8mb4_unicode_ci NOT NULL DEFAULT '',
    shortname VARCHAR(100) COLLATE utf8mb4_unicode_ci NOT NULL DEFAULT '',
    description LONGTEXT COLLATE utf8mb4_unicode_ci NOT NULL,
    sortorder BIGINT(10) NOT NULL DEFAULT 0,
    archetype VARCHAR(30) COLLATE utf8mb4_unicode_ci NOT NULL DEFAULT '',
CONSTRAINT  PRIMARY KEY (id)
, UNIQUE KEY mdl_role_sor_uix (sortorder)
, UNIQUE KEY mdl_role_sho_uix (shortname)
)
 ENGINE = InnoDB
 DEFAULT COLLATE = utf8mb4_unicode_ci ROW_FORMAT=Dynamic
 COMMENT='moodle roles';

CREATE TABLE mdl_context (
    id BIGINT(10) NOT NULL auto_increment,
    contextlevel BIGINT(10) NOT NULL DEFAULT 0,
    instanceid BIGINT(10) NOT NULL DEFAULT 0,
    path VARCHAR(255) COLLATE utf8mb4_unicode_ci,
    depth TINYINT(2) NOT NULL DEFAULT 0,
    locked TINYINT(2) NOT NULL DEFAULT 0,
CONSTRAINT  PRIMARY KEY (id)
, UNIQUE KEY mdl_cont_conins_uix (contextlevel, instanceid)
, KEY mdl_cont_ins_ix (instanceid)
, KEY mdl_cont_pat_ix (path)
)
 ENGINE = InnoDB
 DEFAULT COLLATE = utf8mb4_unicode_ci ROW_FORMAT=Dynamic
 COMMENT='one of these must be set';

CREATE TABLE mdl_role_assignments (
    id BIGINT(10) NOT NULL auto_increment,
    roleid BIGINT(10) NOT NULL DEFAULT 0,
    contextid BIGINT(10) NOT NULL DEFAULT 0,
    userid BIGINT(10) NOT NULL DEFAULT 0,
    timemodified BIGINT(10) NOT NULL DEFAULT 0,
    modifierid BIGINT(10) NOT NULL DEFAULT 0,
    component VARCHAR(100) COLLATE utf8mb4_unicode_ci NOT NULL DEFAULT '',
    itemid BIGINT(10) NOT NULL DEFAULT 0,
    sortorder BIGINT(10) NOT NULL DEFAULT 0,
CONSTRAINT  PRIMARY KEY (id)
, KEY mdl_roleassi_sor_ix (sortorder)
, KEY mdl_roleassi_rolcon_ix (roleid, contextid)
, KEY mdl_roleassi_useconrol_ix (userid, contextid, roleid)
, KEY mdl_roleassi_comiteuse_ix (component, itemid, userid)
, KEY mdl_roleassi_rol_ix (roleid)
, KEY mdl_roleassi_con_ix (contextid)
, KEY mdl_roleassi_use_ix (userid)
)
 ENGINE = InnoDB
 DEFAULT COLLATE = utf8mb4_unicode_ci ROW_FORMAT=Dynamic
 COMMENT='assigning roles in different context';

CREATE TABLE mdl_user_info_category (
    id BIGINT(10) NOT NULL auto_increment,
    name VARCHAR(255) COLLATE utf8mb4_unicode_ci NOT NULL DEFAULT '',
    sortorder BIGINT(10) NOT NULL DEFAULT 0,
CONSTRAINT  PRIMARY KEY (id)
)
 ENGINE = InnoDB
 DEFAULT COLLATE = utf8mb4_unicode_ci ROW_FORMAT=Dynamic
 COMMENT='Customisable fields categories';

CREATE TABLE mdl_user_info_field (
    id BIGINT(10) NOT NULL auto_increment,
    shortname VARCHAR(255) COLLATE utf8mb4_unicode_ci NOT NULL DEFAULT 'shortname',
    name LONGTEXT COLLATE utf8mb4_unicode_ci NOT NULL,
    datatype VARCHAR(255) COLLATE utf8mb4_unicode_ci NOT NULL DEFAULT '',
    description LONGTEXT COLLATE utf8mb4_unicode_ci,
    descriptionformat TINYINT(2) NOT NULL DEFAULT 0,
    categoryid BIGINT(10) NOT NULL DEFAULT 0,
    sortorder BIGINT(10) NOT NULL DEFAULT 0,
    required TINYINT(2) NOT NULL DEFAULT 0,
    locked TINYINT(2) NOT NULL DEFAULT 0,
    visible SMALLINT(4) NOT NULL DEFAULT 0,
    forceunique TINYINT(2) NOT NULL DEFAULT 0,
    signup TINYINT(2) NOT NULL DEFAULT 0,
    defaultdata LONGTEXT COLLATE utf8mb4_unicode_ci,
    defaultdataformat TINYINT(2) NOT NULL DEFAULT 0,
    param1 LONGTEXT COLLATE utf8mb4_unicode_ci,
    param2 LONGTEXT COLLATE utf8mb4_unicode_ci,
    param3 LONGTEXT COLLATE utf8mb4_unicode_ci,
    param4 LONGTEXT COLLATE utf8mb4_unicode_ci,
    param5 LONGTEXT COLLATE utf8mb4_unicode_ci,
CONSTRAINT  PRIMARY KEY (id)
)
 ENGINE = InnoDB
 DEFAULT COLLATE = utf8mb4_unicode_ci ROW_FORMAT=Dynamic
 COMMENT='Customisable user profile fields';

CREATE TABLE mdl_user_info_data (
    id BIGINT(10) NOT NULL auto_increment,
    userid BIGINT(10) NOT NULL DEFAULT 0,
    fieldid BIGINT(10) NOT NULL DEFAULT 0,
    data LONGTEXT COLLATE utf8mb4_unicode_ci NOT NULL,
    dataformat TINYINT(2) NOT NULL DEFAULT 0,
CONSTRAINT  PRIMARY KEY (id)
, UNIQUE KEY mdl_userinfodata_usefie_uix (userid, fieldid)
)
 ENGINE = InnoDB
 DEFAULT COLLATE = utf8mb4_unicode_ci ROW_FORMAT=Dynamic
 COMMENT='Data for the customisable user fields';

CREATE TABLE mdl_groups (
    id BIGINT(10) NOT NULL auto_increment,
    courseid BIGINT(10) NOT NULL,
    idnumber VARCHAR(100) COLLATE utf8mb4_unicode_ci NOT NULL DEFAULT '',
    name VARCHAR(254) COLLATE utf8mb4_unicode_ci NOT NULL DEFAULT '',
    description LONGTEXT COLLATE utf8mb4_unicode_ci,
    descriptionformat TINYINT(2) NOT NULL DEFAULT 0,
    enrolmentkey VARCHAR(50) COLLATE utf8mb4_unicode_ci,
    picture BIGINT(10) NOT NULL DEFAULT 0,
    visibility TINYINT(1) NOT NULL DEFAULT 0,
    participation TINYINT(1) NOT NULL DEFAULT 1,
    timecreated BIGINT(10) NOT NULL DEFAULT 0,
    timemodified BIGINT(10) NOT NULL DEFAULT 0,
CONSTRAINT  PRIMARY KEY (id)
, KEY mdl_grou_idn_ix (idnumber)
, KEY mdl_grou_cou_ix (courseid)
)
 ENGINE = InnoDB
 DEFAULT COLLATE = utf8mb4_unicode_ci ROW_FORMAT=Dynamic
 COMMENT='Each record represents a group.';

CREATE TABLE mdl_groups_members (
    id BIGINT(10) NOT NULL auto_increment,
    groupid BIGINT(10) NOT NULL DEFAULT 0,
    userid BIGINT(10) NOT NULL DEFAULT 0,
    timeadded BIGINT(10) NOT NULL DEFAULT 0,
    component VARCHAR(100) COLLATE utf8mb4_unicode_ci NOT NULL DEFAULT '',
    itemid BIGINT(10) NOT NULL DEFAULT 0,
CONSTRAINT  PRIMARY KEY (id)
, KEY mdl_groumemb_gro_ix (groupid)
, KEY mdl_groumemb_use_ix (userid)
, UNIQUE KEY mdl_groumemb_usegro_uix (userid, groupid)
)
 ENGINE = InnoDB
 DEFAULT COLLATE = utf8mb4_unicode_ci ROW_FORMAT=Dynamic
 COMMENT='Link a user to a group.';

CREATE TABLE mdl_cohort (
    id BIGINT(10) NOT NULL auto_increment,
    contextid BIGINT(10) NOT NULL,
    name VARCHAR(254) COLLATE utf8mb4_unicode_ci NOT NULL DEFAULT '',
    idnumber VARCHAR(100) COLLATE utf8mb4_unicode_ci,
    description LONGTEXT COLLATE utf8mb4_unicode_ci,
    descriptionformat TINYINT(2) NOT NULL,
    visible TINYINT(1) NOT NULL DEFAULT 1,
    component VARCHAR(100) COLLATE utf8mb4_unicode_ci NOT NULL DEFAULT '',
    timecreated BIGINT(10) NOT NULL,
    timemodified BIGINT(10) NOT NULL,
    theme VARCHAR(50) COLLATE utf8mb4_unicode_ci,
CONSTRAINT  PRIMARY KEY (id)
, KEY mdl_coho_con_ix (contextid)
)
 ENGINE = InnoDB
 DEFAULT COLLATE = utf8mb4_unicode_ci ROW_FORMAT=Dynamic
 COMMENT='Each record represents one cohort (aka site-wide group).';

CREATE TABLE mdl_cohort_members (
    id BIGINT(10) NOT NULL auto_increment,
    cohortid BIGINT(10) NOT NULL DEFAULT 0,
    userid BIGINT(10) NOT NULL DEFAULT 0,
    timeadded BIGINT(10) NOT NULL DEFAULT 0,
CONSTRAINT  PRIMARY KEY (id)
, UNIQUE KEY mdl_cohomemb_cohuse_uix (cohortid, userid)
, KEY mdl_cohomemb_coh_ix (cohortid)
, KEY mdl_cohomemb_use_ix (userid)
)
 ENGINE = InnoDB
 DEFAULT COLLATE = utf8mb4_unicode_ci ROW_FORMAT=Dynamic
 COMMENT='Link a user to a cohort.';

CREATE TABLE mdl_cache_flags (
    id BIGINT(10) NOT NULL auto_increment,
    flagtype VARCHAR(255) COLLATE utf8mb4_unicode_ci NOT NULL DEFAULT '',
    name VARCHAR(255) COLLATE utf8mb4_unicode_ci NOT NULL DEFAULT '',
    timemodified BIGINT(10) NOT NULL DEFAULT 0,
    value LONGTEXT COLLATE utf8mb4_unicode_ci NOT NULL,
    expiry BIGINT(10) NOT NULL,
CONSTRAINT  PRIMARY KEY (id)
, KEY mdl_cachflag_fla_ix (flagtype)
, KEY mdl_cachflag_nam_ix (name)
)
 ENGINE = InnoDB
 DEFAULT COLLATE = utf8mb4_unicode_ci ROW_FORMAT=Dynamic
 COMMENT='Cache of time-sensitive flags';

CREATE TABLE mdl_logstore_standard_log (
    id BIGINT(10) NOT NULL auto_increment,
    eventname VARCHAR(255) COLLATE utf8mb4_unicode_ci NOT NULL DEFAULT '',
    component VARCHAR(100) COLLATE utf8mb4_unicode_ci NOT NULL DEFAULT '',
    action VARCHAR(100) COLLATE utf8mb4_unicode_ci NOT NULL DEFAULT '',
    target VARCHAR(100) COLLATE utf8mb4_unicode_ci NOT NULL DEFAULT '',
    objecttable VARCHAR(50) COLLATE utf8mb4_unicode_ci,
    objectid BIGINT(10),
    crud VARCHAR(1) COLLATE utf8mb4_unicode_ci NOT NULL DEFAULT '',
    edulevel TINYINT(1) NOT NULL,
    contextid BIGINT(10) NOT NULL,
    contextlevel BIGINT(10) NOT NULL,
    contextinstanceid BIGINT(10) NOT NULL,
    userid BIGINT(10) NOT NULL,
    courseid BIGINT(10),
    relateduserid BIGINT(10),
    anonymous TINYINT(1) NOT NULL DEFAULT 0,
    other LONGTEXT COLLATE utf8mb4_unicode_ci,
    timecreated BIGINT(10) NOT NULL,
    origin VARCHAR(10) COLLATE utf8mb4_unicode_ci,
    ip VARCHAR(45) COLLATE utf8mb4_unicode_ci,
    realuserid BIGINT(10),
CONSTRAINT  PRIMARY KEY (id)
, KEY mdl_logsstanlog_tim_ix (timecreated)
, KEY mdl_logsstanlog_couanotim_ix (courseid, anonymous, timecreated)
, KEY mdl_logsstanlog_useconconcr_ix (userid, contextlevel, contextinstanceid, crud, edulevel, timecreated)
, KEY mdl_logsstanlog_con_ix (contextid)
, KEY mdl_logsstanlog_use_ix (userid)
, KEY mdl_logsstanlog_cou_ix (courseid)
, KEY mdl_logsstanlog_rea_ix (realuserid)
, KEY mdl_logsstanlog_rel_ix (relateduserid)
)
 ENGINE = InnoDB
 DEFAULT COLLATE = utf8mb4_unicode_ci ROW_FORMAT=Dynamic
 COMMENT='Standard log table';

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
-- Moodle resets sequences after explicit-id inserts (mysql_sql_generator::getResetSequenceSQL).
-- InnoDB already moves the counter past explicit ids; these lines make it explicit.
ALTER TABLE mdl_context AUTO_INCREMENT = 6;
ALTER TABLE mdl_course AUTO_INCREMENT = 2;
ALTER TABLE mdl_course_categories AUTO_INCREMENT = 2;
ALTER TABLE mdl_user AUTO_INCREMENT = 3;
ALTER TABLE mdl_role AUTO_INCREMENT = 9;
