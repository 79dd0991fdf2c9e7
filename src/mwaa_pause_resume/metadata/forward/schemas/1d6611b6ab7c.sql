CREATE TABLE ab_group (
    id integer NOT NULL,
    name character varying(100) NOT NULL,
    label character varying(150),
    description character varying(512)
);
CREATE SEQUENCE ab_group_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
CREATE TABLE ab_group_role (
    id integer NOT NULL,
    group_id integer,
    role_id integer
);
CREATE SEQUENCE ab_group_role_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
CREATE TABLE ab_permission (
    id integer NOT NULL,
    name character varying(100) NOT NULL
);
CREATE SEQUENCE ab_permission_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
CREATE TABLE ab_permission_view (
    id integer NOT NULL,
    permission_id integer NOT NULL,
    view_menu_id integer NOT NULL
);
CREATE SEQUENCE ab_permission_view_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
CREATE TABLE ab_permission_view_role (
    id integer NOT NULL,
    permission_view_id integer,
    role_id integer
);
CREATE SEQUENCE ab_permission_view_role_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
CREATE TABLE ab_register_user (
    id integer NOT NULL,
    first_name character varying(256) NOT NULL,
    last_name character varying(256) NOT NULL,
    username character varying(512) NOT NULL,
    password character varying(256),
    email character varying(512) NOT NULL,
    registration_date timestamp without time zone,
    registration_hash character varying(256)
);
CREATE SEQUENCE ab_register_user_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
CREATE TABLE ab_role (
    id integer NOT NULL,
    name character varying(64) NOT NULL
);
CREATE SEQUENCE ab_role_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
CREATE TABLE ab_user (
    id integer NOT NULL,
    first_name character varying(256) NOT NULL,
    last_name character varying(256) NOT NULL,
    username character varying(512) NOT NULL,
    password character varying(256),
    active boolean,
    email character varying(512) NOT NULL,
    last_login timestamp without time zone,
    login_count integer,
    fail_login_count integer,
    created_on timestamp without time zone,
    changed_on timestamp without time zone,
    created_by_fk integer,
    changed_by_fk integer
);
CREATE TABLE ab_user_group (
    id integer NOT NULL,
    user_id integer,
    group_id integer
);
CREATE SEQUENCE ab_user_group_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
CREATE SEQUENCE ab_user_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
CREATE TABLE ab_user_role (
    id integer NOT NULL,
    user_id integer,
    role_id integer
);
CREATE SEQUENCE ab_user_role_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
CREATE TABLE ab_view_menu (
    id integer NOT NULL,
    name character varying(250) NOT NULL
);
CREATE SEQUENCE ab_view_menu_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
CREATE TABLE alembic_version (
    version_num character varying(32) NOT NULL
);
CREATE TABLE alembic_version_fab (
    version_num character varying(32) NOT NULL
);
CREATE TABLE asset (
    id integer NOT NULL,
    name character varying(1500) NOT NULL,
    uri character varying(1500) NOT NULL,
    "group" character varying(1500) NOT NULL,
    extra json NOT NULL,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL
);
CREATE TABLE asset_active (
    name character varying(1500) NOT NULL,
    uri character varying(1500) NOT NULL
);
CREATE TABLE asset_alias (
    id integer NOT NULL,
    name character varying(1500) NOT NULL,
    "group" character varying(1500) NOT NULL
);
CREATE TABLE asset_alias_asset (
    alias_id integer NOT NULL,
    asset_id integer NOT NULL
);
CREATE TABLE asset_alias_asset_event (
    alias_id integer NOT NULL,
    event_id integer NOT NULL
);
CREATE SEQUENCE asset_alias_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE asset_alias_id_seq OWNED BY asset_alias.id;
CREATE TABLE asset_dag_run_queue (
    asset_id integer NOT NULL,
    target_dag_id character varying(250) NOT NULL,
    created_at timestamp with time zone NOT NULL
);
CREATE TABLE asset_event (
    id integer NOT NULL,
    asset_id integer NOT NULL,
    extra json NOT NULL,
    source_task_id character varying(250),
    source_dag_id character varying(250),
    source_run_id character varying(250),
    source_map_index integer DEFAULT '-1'::integer,
    "timestamp" timestamp with time zone NOT NULL,
    partition_key character varying(250)
);
CREATE SEQUENCE asset_event_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE asset_event_id_seq OWNED BY asset_event.id;
CREATE SEQUENCE asset_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE asset_id_seq OWNED BY asset.id;
CREATE TABLE asset_partition_dag_run (
    id integer NOT NULL,
    target_dag_id character varying(250) NOT NULL,
    created_dag_run_id integer,
    partition_key character varying(250) NOT NULL,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL
);
CREATE SEQUENCE asset_partition_dag_run_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE asset_partition_dag_run_id_seq OWNED BY asset_partition_dag_run.id;
CREATE TABLE asset_watcher (
    name character varying(1500) NOT NULL,
    asset_id integer NOT NULL,
    trigger_id integer NOT NULL
);
CREATE TABLE backfill (
    id integer NOT NULL,
    dag_id character varying(250) NOT NULL,
    from_date timestamp with time zone NOT NULL,
    to_date timestamp with time zone NOT NULL,
    dag_run_conf json NOT NULL,
    is_paused boolean,
    reprocess_behavior character varying(250) NOT NULL,
    max_active_runs integer NOT NULL,
    created_at timestamp with time zone NOT NULL,
    completed_at timestamp with time zone,
    updated_at timestamp with time zone NOT NULL,
    triggering_user_name character varying(512)
);
CREATE TABLE backfill_dag_run (
    id integer NOT NULL,
    backfill_id integer NOT NULL,
    dag_run_id integer,
    exception_reason character varying(250),
    logical_date timestamp with time zone,
    partition_key character varying(250),
    sort_ordinal integer NOT NULL
);
CREATE SEQUENCE backfill_dag_run_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE backfill_dag_run_id_seq OWNED BY backfill_dag_run.id;
CREATE SEQUENCE backfill_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE backfill_id_seq OWNED BY backfill.id;
CREATE TABLE callback (
    id uuid NOT NULL,
    type character varying(20) NOT NULL,
    fetch_method character varying(20) NOT NULL,
    data jsonb NOT NULL,
    bundle_name character varying(250),
    state character varying(10),
    output text,
    priority_weight integer NOT NULL,
    created_at timestamp with time zone NOT NULL,
    trigger_id integer
);
CREATE TABLE connection (
    id integer NOT NULL,
    conn_id character varying(250) NOT NULL,
    conn_type character varying(500) NOT NULL,
    description text,
    host character varying(500),
    schema character varying(500),
    login text,
    password text,
    port integer,
    is_encrypted boolean NOT NULL,
    is_extra_encrypted boolean NOT NULL,
    team_name character varying(50),
    extra text
);
CREATE SEQUENCE connection_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE connection_id_seq OWNED BY connection.id;
CREATE TABLE dag (
    dag_id character varying(250) NOT NULL,
    is_paused boolean NOT NULL,
    is_stale boolean NOT NULL,
    exceeds_max_non_backfill boolean DEFAULT false NOT NULL,
    last_parsed_time timestamp with time zone,
    last_parse_duration double precision,
    last_expired timestamp with time zone,
    fileloc character varying(2000),
    relative_fileloc character varying(2000),
    bundle_name character varying(250) NOT NULL,
    bundle_version character varying(200),
    owners character varying(2000),
    dag_display_name character varying(2000),
    description text,
    timetable_type character varying(255) NOT NULL,
    timetable_summary text,
    timetable_description character varying(1000),
    timetable_partitioned boolean DEFAULT false NOT NULL,
    asset_expression json,
    deadline json,
    max_active_tasks integer NOT NULL,
    max_active_runs integer,
    max_consecutive_failed_dag_runs integer NOT NULL,
    has_task_concurrency_limits boolean NOT NULL,
    has_import_errors boolean DEFAULT false,
    fail_fast boolean DEFAULT false NOT NULL,
    allowed_run_types json,
    next_dagrun timestamp with time zone,
    next_dagrun_data_interval_start timestamp with time zone,
    next_dagrun_data_interval_end timestamp with time zone,
    next_dagrun_partition_key character varying(255),
    next_dagrun_partition_date timestamp with time zone,
    next_dagrun_create_after timestamp with time zone
);
CREATE TABLE dag_bundle (
    name character varying(250) NOT NULL,
    active boolean,
    version character varying(200),
    last_refreshed timestamp with time zone,
    signed_url_template text,
    template_params json
);
CREATE TABLE dag_bundle_team (
    dag_bundle_name character varying(250) NOT NULL,
    team_name character varying(50) NOT NULL
);
CREATE TABLE dag_code (
    id uuid NOT NULL,
    dag_id character varying(250) NOT NULL,
    fileloc character varying(2000) NOT NULL,
    created_at timestamp with time zone NOT NULL,
    last_updated timestamp with time zone NOT NULL,
    source_code text NOT NULL,
    source_code_hash character varying(32) NOT NULL,
    dag_version_id uuid NOT NULL
);
CREATE TABLE dag_favorite (
    user_id character varying(250) NOT NULL,
    dag_id character varying(250) NOT NULL
);
CREATE TABLE dag_owner_attributes (
    dag_id character varying(250) NOT NULL,
    owner character varying(500) NOT NULL,
    link character varying(500) NOT NULL
);
CREATE TABLE dag_priority_parsing_request (
    id character varying(32) NOT NULL,
    bundle_name character varying(250) NOT NULL,
    relative_fileloc character varying(2000) NOT NULL
);
CREATE TABLE dag_run (
    id integer NOT NULL,
    dag_id character varying(250) NOT NULL,
    queued_at timestamp with time zone,
    logical_date timestamp with time zone,
    start_date timestamp with time zone,
    end_date timestamp with time zone,
    state character varying(50),
    run_id character varying(250) NOT NULL,
    creating_job_id integer,
    run_type character varying(50) NOT NULL,
    triggered_by character varying(50),
    triggering_user_name character varying(512),
    conf jsonb,
    data_interval_start timestamp with time zone,
    data_interval_end timestamp with time zone,
    run_after timestamp with time zone NOT NULL,
    last_scheduling_decision timestamp with time zone,
    log_template_id integer,
    created_at timestamp with time zone,
    updated_at timestamp with time zone,
    clear_number integer DEFAULT 0 NOT NULL,
    backfill_id integer,
    bundle_version character varying(250),
    scheduled_by_job_id integer,
    context_carrier jsonb,
    span_status character varying(250) DEFAULT 'not_started'::character varying NOT NULL,
    created_dag_version_id uuid,
    partition_key character varying(250),
    partition_date timestamp with time zone
);
CREATE SEQUENCE dag_run_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE dag_run_id_seq OWNED BY dag_run.id;
CREATE TABLE dag_run_note (
    user_id character varying(128),
    dag_run_id integer NOT NULL,
    content character varying(1000),
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL
);
CREATE TABLE dag_schedule_asset_alias_reference (
    alias_id integer NOT NULL,
    dag_id character varying(250) NOT NULL,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL
);
CREATE TABLE dag_schedule_asset_name_reference (
    name character varying(1500) NOT NULL,
    dag_id character varying(250) NOT NULL,
    created_at timestamp with time zone NOT NULL
);
CREATE TABLE dag_schedule_asset_reference (
    asset_id integer NOT NULL,
    dag_id character varying(250) NOT NULL,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL
);
CREATE TABLE dag_schedule_asset_uri_reference (
    uri character varying(1500) NOT NULL,
    dag_id character varying(250) NOT NULL,
    created_at timestamp with time zone NOT NULL
);
CREATE TABLE dag_tag (
    name character varying(100) NOT NULL,
    dag_id character varying(250) NOT NULL
);
CREATE TABLE dag_version (
    id uuid NOT NULL,
    version_number integer NOT NULL,
    dag_id character varying(250) NOT NULL,
    bundle_name character varying(250),
    bundle_version character varying(250),
    created_at timestamp with time zone NOT NULL,
    last_updated timestamp with time zone NOT NULL
);
CREATE TABLE dag_warning (
    dag_id character varying(250) NOT NULL,
    warning_type character varying(50) NOT NULL,
    message text NOT NULL,
    "timestamp" timestamp with time zone NOT NULL
);
CREATE TABLE dagrun_asset_event (
    dag_run_id integer NOT NULL,
    event_id integer NOT NULL
);
CREATE TABLE deadline (
    id uuid NOT NULL,
    created_at timestamp with time zone NOT NULL,
    last_updated_at timestamp with time zone NOT NULL,
    dagrun_id integer,
    deadline_time timestamp with time zone NOT NULL,
    missed boolean NOT NULL,
    callback_id uuid NOT NULL,
    deadline_alert_id uuid
);
CREATE TABLE deadline_alert (
    id uuid NOT NULL,
    created_at timestamp with time zone NOT NULL,
    serialized_dag_id uuid NOT NULL,
    name character varying(250),
    description text,
    reference json NOT NULL,
    "interval" double precision NOT NULL,
    callback_def json NOT NULL
);
CREATE TABLE hitl_detail (
    ti_id uuid NOT NULL,
    options json NOT NULL,
    subject text NOT NULL,
    body text,
    defaults json,
    multiple boolean,
    params json NOT NULL,
    assignees json,
    created_at timestamp with time zone NOT NULL,
    responded_at timestamp with time zone,
    responded_by json,
    chosen_options json,
    params_input json NOT NULL
);
CREATE TABLE hitl_detail_history (
    ti_history_id uuid NOT NULL,
    options json NOT NULL,
    subject text NOT NULL,
    body text,
    defaults json,
    multiple boolean,
    params json NOT NULL,
    assignees json,
    created_at timestamp with time zone NOT NULL,
    responded_at timestamp with time zone,
    responded_by json,
    chosen_options json,
    params_input json NOT NULL
);
CREATE TABLE import_error (
    id integer NOT NULL,
    "timestamp" timestamp with time zone,
    filename character varying(1024),
    bundle_name character varying(250),
    stacktrace text
);
CREATE SEQUENCE import_error_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE import_error_id_seq OWNED BY import_error.id;
CREATE TABLE job (
    id integer NOT NULL,
    dag_id character varying(250),
    state character varying(20),
    job_type character varying(30),
    start_date timestamp with time zone,
    end_date timestamp with time zone,
    latest_heartbeat timestamp with time zone,
    executor_class character varying(500),
    hostname character varying(500),
    unixname character varying(1000)
);
CREATE SEQUENCE job_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE job_id_seq OWNED BY job.id;
CREATE TABLE log (
    id integer NOT NULL,
    dttm timestamp with time zone,
    dag_id character varying(250),
    task_id character varying(250),
    map_index integer,
    event character varying(60) NOT NULL,
    logical_date timestamp with time zone,
    run_id character varying(250),
    owner character varying(500),
    owner_display_name character varying(500),
    extra text,
    try_number integer
);
CREATE SEQUENCE log_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE log_id_seq OWNED BY log.id;
CREATE TABLE log_template (
    id integer NOT NULL,
    filename text NOT NULL,
    elasticsearch_id text NOT NULL,
    created_at timestamp with time zone NOT NULL
);
CREATE SEQUENCE log_template_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE log_template_id_seq OWNED BY log_template.id;
CREATE TABLE partitioned_asset_key_log (
    id integer NOT NULL,
    asset_id integer NOT NULL,
    asset_event_id integer NOT NULL,
    asset_partition_dag_run_id integer NOT NULL,
    source_partition_key character varying(250) NOT NULL,
    target_dag_id character varying(250) NOT NULL,
    target_partition_key character varying(250) NOT NULL,
    created_at timestamp with time zone NOT NULL
);
CREATE SEQUENCE partitioned_asset_key_log_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE partitioned_asset_key_log_id_seq OWNED BY partitioned_asset_key_log.id;
CREATE TABLE rendered_task_instance_fields (
    dag_id character varying(250) NOT NULL,
    task_id character varying(250) NOT NULL,
    run_id character varying(250) NOT NULL,
    map_index integer DEFAULT '-1'::integer NOT NULL,
    rendered_fields json NOT NULL,
    k8s_pod_yaml json
);
CREATE TABLE revoked_token (
    jti character varying(32) NOT NULL,
    exp timestamp with time zone NOT NULL
);
CREATE TABLE serialized_dag (
    id uuid NOT NULL,
    dag_id character varying(250) NOT NULL,
    data jsonb,
    data_compressed bytea,
    created_at timestamp with time zone NOT NULL,
    last_updated timestamp with time zone NOT NULL,
    dag_hash character varying(32) NOT NULL,
    dag_version_id uuid NOT NULL
);
CREATE TABLE session (
    id integer NOT NULL,
    session_id character varying(255),
    data bytea,
    expiry timestamp without time zone
);
CREATE SEQUENCE session_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE session_id_seq OWNED BY session.id;
CREATE TABLE slot_pool (
    id integer NOT NULL,
    pool character varying(256),
    slots integer NOT NULL,
    description text,
    include_deferred boolean NOT NULL,
    team_name character varying(50)
);
CREATE SEQUENCE slot_pool_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE slot_pool_id_seq OWNED BY slot_pool.id;
CREATE TABLE task_inlet_asset_reference (
    asset_id integer NOT NULL,
    dag_id character varying(250) NOT NULL,
    task_id character varying(250) NOT NULL,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL
);
CREATE TABLE task_instance (
    id uuid NOT NULL,
    task_id character varying(250) NOT NULL,
    dag_id character varying(250) NOT NULL,
    run_id character varying(250) NOT NULL,
    map_index integer DEFAULT '-1'::integer NOT NULL,
    start_date timestamp with time zone,
    end_date timestamp with time zone,
    duration double precision,
    state character varying(20),
    try_number integer NOT NULL,
    max_tries integer DEFAULT '-1'::integer NOT NULL,
    hostname character varying(1000),
    unixname character varying(1000),
    pool character varying(256) NOT NULL,
    pool_slots integer NOT NULL,
    queue character varying(256),
    priority_weight integer,
    operator character varying(1000),
    custom_operator_name character varying(1000),
    queued_dttm timestamp with time zone,
    scheduled_dttm timestamp with time zone,
    queued_by_job_id integer,
    last_heartbeat_at timestamp with time zone,
    pid integer,
    executor character varying(1000),
    executor_config bytea,
    updated_at timestamp with time zone,
    rendered_map_index character varying(250),
    context_carrier jsonb,
    span_status character varying(250) DEFAULT 'not_started'::character varying NOT NULL,
    external_executor_id text,
    trigger_id integer,
    trigger_timeout timestamp with time zone,
    next_method character varying(1000),
    next_kwargs jsonb,
    task_display_name character varying(2000),
    dag_version_id uuid
);
CREATE TABLE task_instance_history (
    task_instance_id uuid NOT NULL,
    task_id character varying(250) NOT NULL,
    dag_id character varying(250) NOT NULL,
    run_id character varying(250) NOT NULL,
    map_index integer DEFAULT '-1'::integer NOT NULL,
    try_number integer NOT NULL,
    start_date timestamp with time zone,
    end_date timestamp with time zone,
    duration double precision,
    state character varying(20),
    max_tries integer DEFAULT '-1'::integer,
    hostname character varying(1000),
    unixname character varying(1000),
    pool character varying(256) NOT NULL,
    pool_slots integer NOT NULL,
    queue character varying(256),
    priority_weight integer,
    operator character varying(1000),
    custom_operator_name character varying(1000),
    queued_dttm timestamp with time zone,
    scheduled_dttm timestamp with time zone,
    queued_by_job_id integer,
    pid integer,
    executor character varying(1000),
    executor_config bytea,
    updated_at timestamp with time zone,
    rendered_map_index character varying(250),
    context_carrier jsonb,
    span_status character varying(250) DEFAULT 'not_started'::character varying NOT NULL,
    external_executor_id text,
    trigger_id integer,
    trigger_timeout timestamp without time zone,
    next_method character varying(1000),
    next_kwargs jsonb,
    task_display_name character varying(2000),
    dag_version_id uuid
);
CREATE TABLE task_instance_note (
    ti_id uuid NOT NULL,
    user_id character varying(128),
    content character varying(1000),
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL
);
CREATE TABLE task_map (
    dag_id character varying(250) NOT NULL,
    task_id character varying(250) NOT NULL,
    run_id character varying(250) NOT NULL,
    map_index integer NOT NULL,
    length integer NOT NULL,
    keys jsonb,
    CONSTRAINT ck_task_map_task_map_length_not_negative CHECK ((length >= 0))
);
CREATE TABLE task_outlet_asset_reference (
    asset_id integer NOT NULL,
    dag_id character varying(250) NOT NULL,
    task_id character varying(250) NOT NULL,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL
);
CREATE TABLE task_reschedule (
    id integer NOT NULL,
    ti_id uuid NOT NULL,
    start_date timestamp with time zone NOT NULL,
    end_date timestamp with time zone NOT NULL,
    duration integer NOT NULL,
    reschedule_date timestamp with time zone NOT NULL
);
CREATE SEQUENCE task_reschedule_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE task_reschedule_id_seq OWNED BY task_reschedule.id;
CREATE TABLE team (
    name character varying(50) NOT NULL
);
CREATE TABLE trigger (
    id integer NOT NULL,
    classpath character varying(1000) NOT NULL,
    kwargs text NOT NULL,
    created_date timestamp with time zone NOT NULL,
    triggerer_id integer,
    queue character varying(256)
);
CREATE SEQUENCE trigger_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE trigger_id_seq OWNED BY trigger.id;
CREATE TABLE variable (
    id integer NOT NULL,
    key character varying(250) NOT NULL,
    val text NOT NULL,
    description text,
    is_encrypted boolean NOT NULL,
    team_name character varying(50)
);
CREATE SEQUENCE variable_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE variable_id_seq OWNED BY variable.id;
CREATE TABLE xcom (
    dag_run_id integer NOT NULL,
    task_id character varying(250) NOT NULL,
    map_index integer DEFAULT '-1'::integer NOT NULL,
    key character varying(512) NOT NULL,
    dag_id character varying(250) NOT NULL,
    run_id character varying(250) NOT NULL,
    value jsonb,
    "timestamp" timestamp with time zone NOT NULL
);
ALTER TABLE ONLY asset ALTER COLUMN id SET DEFAULT nextval('asset_id_seq'::regclass);
ALTER TABLE ONLY asset_alias ALTER COLUMN id SET DEFAULT nextval('asset_alias_id_seq'::regclass);
ALTER TABLE ONLY asset_event ALTER COLUMN id SET DEFAULT nextval('asset_event_id_seq'::regclass);
ALTER TABLE ONLY asset_partition_dag_run ALTER COLUMN id SET DEFAULT nextval('asset_partition_dag_run_id_seq'::regclass);
ALTER TABLE ONLY backfill ALTER COLUMN id SET DEFAULT nextval('backfill_id_seq'::regclass);
ALTER TABLE ONLY backfill_dag_run ALTER COLUMN id SET DEFAULT nextval('backfill_dag_run_id_seq'::regclass);
ALTER TABLE ONLY connection ALTER COLUMN id SET DEFAULT nextval('connection_id_seq'::regclass);
ALTER TABLE ONLY dag_run ALTER COLUMN id SET DEFAULT nextval('dag_run_id_seq'::regclass);
ALTER TABLE ONLY import_error ALTER COLUMN id SET DEFAULT nextval('import_error_id_seq'::regclass);
ALTER TABLE ONLY job ALTER COLUMN id SET DEFAULT nextval('job_id_seq'::regclass);
ALTER TABLE ONLY log ALTER COLUMN id SET DEFAULT nextval('log_id_seq'::regclass);
ALTER TABLE ONLY log_template ALTER COLUMN id SET DEFAULT nextval('log_template_id_seq'::regclass);
ALTER TABLE ONLY partitioned_asset_key_log ALTER COLUMN id SET DEFAULT nextval('partitioned_asset_key_log_id_seq'::regclass);
ALTER TABLE ONLY session ALTER COLUMN id SET DEFAULT nextval('session_id_seq'::regclass);
ALTER TABLE ONLY slot_pool ALTER COLUMN id SET DEFAULT nextval('slot_pool_id_seq'::regclass);
ALTER TABLE ONLY task_reschedule ALTER COLUMN id SET DEFAULT nextval('task_reschedule_id_seq'::regclass);
ALTER TABLE ONLY trigger ALTER COLUMN id SET DEFAULT nextval('trigger_id_seq'::regclass);
ALTER TABLE ONLY variable ALTER COLUMN id SET DEFAULT nextval('variable_id_seq'::regclass);
ALTER TABLE ONLY ab_group
    ADD CONSTRAINT ab_group_name_uq UNIQUE (name);
ALTER TABLE ONLY ab_group
    ADD CONSTRAINT ab_group_pkey PRIMARY KEY (id);
ALTER TABLE ONLY ab_group_role
    ADD CONSTRAINT ab_group_role_group_id_role_id_uq UNIQUE (group_id, role_id);
ALTER TABLE ONLY ab_group_role
    ADD CONSTRAINT ab_group_role_pkey PRIMARY KEY (id);
ALTER TABLE ONLY ab_permission
    ADD CONSTRAINT ab_permission_name_uq UNIQUE (name);
ALTER TABLE ONLY ab_permission
    ADD CONSTRAINT ab_permission_pkey PRIMARY KEY (id);
ALTER TABLE ONLY ab_permission_view
    ADD CONSTRAINT ab_permission_view_permission_id_view_menu_id_uq UNIQUE (permission_id, view_menu_id);
ALTER TABLE ONLY ab_permission_view
    ADD CONSTRAINT ab_permission_view_pkey PRIMARY KEY (id);
ALTER TABLE ONLY ab_permission_view_role
    ADD CONSTRAINT ab_permission_view_role_permission_view_id_role_id_uq UNIQUE (permission_view_id, role_id);
ALTER TABLE ONLY ab_permission_view_role
    ADD CONSTRAINT ab_permission_view_role_pkey PRIMARY KEY (id);
ALTER TABLE ONLY ab_register_user
    ADD CONSTRAINT ab_register_user_email_uq UNIQUE (email);
ALTER TABLE ONLY ab_register_user
    ADD CONSTRAINT ab_register_user_pkey PRIMARY KEY (id);
ALTER TABLE ONLY ab_register_user
    ADD CONSTRAINT ab_register_user_username_uq UNIQUE (username);
ALTER TABLE ONLY ab_role
    ADD CONSTRAINT ab_role_name_uq UNIQUE (name);
ALTER TABLE ONLY ab_role
    ADD CONSTRAINT ab_role_pkey PRIMARY KEY (id);
ALTER TABLE ONLY ab_user
    ADD CONSTRAINT ab_user_email_uq UNIQUE (email);
ALTER TABLE ONLY ab_user_group
    ADD CONSTRAINT ab_user_group_pkey PRIMARY KEY (id);
ALTER TABLE ONLY ab_user_group
    ADD CONSTRAINT ab_user_group_user_id_group_id_uq UNIQUE (user_id, group_id);
ALTER TABLE ONLY ab_user
    ADD CONSTRAINT ab_user_pkey PRIMARY KEY (id);
ALTER TABLE ONLY ab_user_role
    ADD CONSTRAINT ab_user_role_pkey PRIMARY KEY (id);
ALTER TABLE ONLY ab_user_role
    ADD CONSTRAINT ab_user_role_user_id_role_id_uq UNIQUE (user_id, role_id);
ALTER TABLE ONLY ab_user
    ADD CONSTRAINT ab_user_username_uq UNIQUE (username);
ALTER TABLE ONLY ab_view_menu
    ADD CONSTRAINT ab_view_menu_name_uq UNIQUE (name);
ALTER TABLE ONLY ab_view_menu
    ADD CONSTRAINT ab_view_menu_pkey PRIMARY KEY (id);
ALTER TABLE ONLY alembic_version_fab
    ADD CONSTRAINT alembic_version_fab_pkc PRIMARY KEY (version_num);
ALTER TABLE ONLY alembic_version
    ADD CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num);
ALTER TABLE ONLY asset_active
    ADD CONSTRAINT asset_active_pkey PRIMARY KEY (name, uri);
ALTER TABLE ONLY asset_alias_asset_event
    ADD CONSTRAINT asset_alias_asset_event_pkey PRIMARY KEY (alias_id, event_id);
ALTER TABLE ONLY asset_alias_asset
    ADD CONSTRAINT asset_alias_asset_pkey PRIMARY KEY (alias_id, asset_id);
ALTER TABLE ONLY asset_alias
    ADD CONSTRAINT asset_alias_pkey PRIMARY KEY (id);
ALTER TABLE ONLY asset_event
    ADD CONSTRAINT asset_event_pkey PRIMARY KEY (id);
ALTER TABLE ONLY asset_partition_dag_run
    ADD CONSTRAINT asset_partition_dag_run_pkey PRIMARY KEY (id);
ALTER TABLE ONLY asset
    ADD CONSTRAINT asset_pkey PRIMARY KEY (id);
ALTER TABLE ONLY asset_watcher
    ADD CONSTRAINT asset_watcher_pkey PRIMARY KEY (asset_id, trigger_id);
ALTER TABLE ONLY asset_dag_run_queue
    ADD CONSTRAINT assetdagrunqueue_pkey PRIMARY KEY (asset_id, target_dag_id);
ALTER TABLE ONLY backfill_dag_run
    ADD CONSTRAINT backfill_dag_run_pkey PRIMARY KEY (id);
ALTER TABLE ONLY backfill
    ADD CONSTRAINT backfill_pkey PRIMARY KEY (id);
ALTER TABLE ONLY callback
    ADD CONSTRAINT callback_pkey PRIMARY KEY (id);
ALTER TABLE ONLY connection
    ADD CONSTRAINT connection_conn_id_uq UNIQUE (conn_id);
ALTER TABLE ONLY connection
    ADD CONSTRAINT connection_pkey PRIMARY KEY (id);
ALTER TABLE ONLY dag_bundle
    ADD CONSTRAINT dag_bundle_pkey PRIMARY KEY (name);
ALTER TABLE ONLY dag_bundle_team
    ADD CONSTRAINT dag_bundle_team_pkey PRIMARY KEY (dag_bundle_name, team_name);
ALTER TABLE ONLY dag_code
    ADD CONSTRAINT dag_code_dag_version_id_uq UNIQUE (dag_version_id);
ALTER TABLE ONLY dag_code
    ADD CONSTRAINT dag_code_pkey PRIMARY KEY (id);
ALTER TABLE ONLY dag_favorite
    ADD CONSTRAINT dag_favorite_pkey PRIMARY KEY (user_id, dag_id);
ALTER TABLE ONLY dag_version
    ADD CONSTRAINT dag_id_v_name_v_number_unique_constraint UNIQUE (dag_id, version_number);
ALTER TABLE ONLY dag_owner_attributes
    ADD CONSTRAINT dag_owner_attributes_pkey PRIMARY KEY (dag_id, owner);
ALTER TABLE ONLY dag
    ADD CONSTRAINT dag_pkey PRIMARY KEY (dag_id);
ALTER TABLE ONLY dag_priority_parsing_request
    ADD CONSTRAINT dag_priority_parsing_request_pkey PRIMARY KEY (id);
ALTER TABLE ONLY dag_run
    ADD CONSTRAINT dag_run_dag_id_logical_date_key UNIQUE (dag_id, logical_date);
ALTER TABLE ONLY dag_run
    ADD CONSTRAINT dag_run_dag_id_run_id_key UNIQUE (dag_id, run_id);
ALTER TABLE ONLY dag_run_note
    ADD CONSTRAINT dag_run_note_pkey PRIMARY KEY (dag_run_id);
ALTER TABLE ONLY dag_run
    ADD CONSTRAINT dag_run_pkey PRIMARY KEY (id);
ALTER TABLE ONLY dag_tag
    ADD CONSTRAINT dag_tag_pkey PRIMARY KEY (name, dag_id);
ALTER TABLE ONLY dag_version
    ADD CONSTRAINT dag_version_pkey PRIMARY KEY (id);
ALTER TABLE ONLY dag_warning
    ADD CONSTRAINT dag_warning_pkey PRIMARY KEY (dag_id, warning_type);
ALTER TABLE ONLY dagrun_asset_event
    ADD CONSTRAINT dagrun_asset_event_pkey PRIMARY KEY (dag_run_id, event_id);
ALTER TABLE ONLY deadline_alert
    ADD CONSTRAINT deadline_alert_pkey PRIMARY KEY (id);
ALTER TABLE ONLY deadline
    ADD CONSTRAINT deadline_pkey PRIMARY KEY (id);
ALTER TABLE ONLY dag_schedule_asset_alias_reference
    ADD CONSTRAINT dsaar_pkey PRIMARY KEY (alias_id, dag_id);
ALTER TABLE ONLY dag_schedule_asset_name_reference
    ADD CONSTRAINT dsanr_pkey PRIMARY KEY (name, dag_id);
ALTER TABLE ONLY dag_schedule_asset_reference
    ADD CONSTRAINT dsar_pkey PRIMARY KEY (asset_id, dag_id);
ALTER TABLE ONLY dag_schedule_asset_uri_reference
    ADD CONSTRAINT dsaur_pkey PRIMARY KEY (uri, dag_id);
ALTER TABLE ONLY hitl_detail_history
    ADD CONSTRAINT hitl_detail_history_pkey PRIMARY KEY (ti_history_id);
ALTER TABLE ONLY hitl_detail
    ADD CONSTRAINT hitl_detail_pkey PRIMARY KEY (ti_id);
ALTER TABLE ONLY import_error
    ADD CONSTRAINT import_error_pkey PRIMARY KEY (id);
ALTER TABLE ONLY backfill_dag_run
    ADD CONSTRAINT ix_bdr_backfill_id_dag_run_id UNIQUE (backfill_id, dag_run_id);
ALTER TABLE ONLY job
    ADD CONSTRAINT job_pkey PRIMARY KEY (id);
ALTER TABLE ONLY log
    ADD CONSTRAINT log_pkey PRIMARY KEY (id);
ALTER TABLE ONLY log_template
    ADD CONSTRAINT log_template_pkey PRIMARY KEY (id);
ALTER TABLE ONLY partitioned_asset_key_log
    ADD CONSTRAINT partitioned_asset_key_log_pkey PRIMARY KEY (id);
ALTER TABLE ONLY rendered_task_instance_fields
    ADD CONSTRAINT rendered_task_instance_fields_pkey PRIMARY KEY (dag_id, task_id, run_id, map_index);
ALTER TABLE ONLY revoked_token
    ADD CONSTRAINT revoked_token_pkey PRIMARY KEY (jti);
ALTER TABLE ONLY serialized_dag
    ADD CONSTRAINT serialized_dag_dag_version_id_uq UNIQUE (dag_version_id);
ALTER TABLE ONLY serialized_dag
    ADD CONSTRAINT serialized_dag_pkey PRIMARY KEY (id);
ALTER TABLE ONLY session
    ADD CONSTRAINT session_pkey PRIMARY KEY (id);
ALTER TABLE ONLY session
    ADD CONSTRAINT session_session_id_key UNIQUE (session_id);
ALTER TABLE ONLY slot_pool
    ADD CONSTRAINT slot_pool_pkey PRIMARY KEY (id);
ALTER TABLE ONLY slot_pool
    ADD CONSTRAINT slot_pool_pool_uq UNIQUE (pool);
ALTER TABLE ONLY task_instance
    ADD CONSTRAINT task_instance_composite_key UNIQUE (dag_id, task_id, run_id, map_index);
ALTER TABLE ONLY task_instance_history
    ADD CONSTRAINT task_instance_history_dtrt_uq UNIQUE (dag_id, task_id, run_id, map_index, try_number);
ALTER TABLE ONLY task_instance_history
    ADD CONSTRAINT task_instance_history_pkey PRIMARY KEY (task_instance_id);
ALTER TABLE ONLY task_instance_note
    ADD CONSTRAINT task_instance_note_pkey PRIMARY KEY (ti_id);
ALTER TABLE ONLY task_instance
    ADD CONSTRAINT task_instance_pkey PRIMARY KEY (id);
ALTER TABLE ONLY task_map
    ADD CONSTRAINT task_map_pkey PRIMARY KEY (dag_id, task_id, run_id, map_index);
ALTER TABLE ONLY task_reschedule
    ADD CONSTRAINT task_reschedule_pkey PRIMARY KEY (id);
ALTER TABLE ONLY team
    ADD CONSTRAINT team_pkey PRIMARY KEY (name);
ALTER TABLE ONLY task_inlet_asset_reference
    ADD CONSTRAINT tiar_pkey PRIMARY KEY (asset_id, dag_id, task_id);
ALTER TABLE ONLY task_outlet_asset_reference
    ADD CONSTRAINT toar_pkey PRIMARY KEY (asset_id, dag_id, task_id);
ALTER TABLE ONLY trigger
    ADD CONSTRAINT trigger_pkey PRIMARY KEY (id);
ALTER TABLE ONLY variable
    ADD CONSTRAINT variable_key_uq UNIQUE (key);
ALTER TABLE ONLY variable
    ADD CONSTRAINT variable_pkey PRIMARY KEY (id);
ALTER TABLE ONLY xcom
    ADD CONSTRAINT xcom_pkey PRIMARY KEY (dag_run_id, task_id, map_index, key);
CREATE INDEX dag_id_state ON dag_run USING btree (dag_id, state);
CREATE INDEX deadline_callback_id_idx ON deadline USING btree (callback_id);
CREATE INDEX deadline_missed_deadline_time_idx ON deadline USING btree (missed, deadline_time);
CREATE UNIQUE INDEX idx_ab_register_user_username ON ab_register_user USING btree (lower((username)::text));
CREATE UNIQUE INDEX idx_ab_user_username ON ab_user USING btree (lower((username)::text));
CREATE UNIQUE INDEX idx_asset_active_name_unique ON asset_active USING btree (name);
CREATE UNIQUE INDEX idx_asset_active_uri_unique ON asset_active USING btree (uri);
CREATE INDEX idx_asset_alias_asset_alias_id ON asset_alias_asset USING btree (alias_id);
CREATE INDEX idx_asset_alias_asset_asset_id ON asset_alias_asset USING btree (asset_id);
CREATE INDEX idx_asset_alias_asset_event_alias_id ON asset_alias_asset_event USING btree (alias_id);
CREATE INDEX idx_asset_alias_asset_event_event_id ON asset_alias_asset_event USING btree (event_id);
CREATE UNIQUE INDEX idx_asset_alias_name_unique ON asset_alias USING btree (name);
CREATE INDEX idx_asset_dag_run_queue_target_dag_id ON asset_dag_run_queue USING btree (target_dag_id);
CREATE INDEX idx_asset_id_timestamp ON asset_event USING btree (asset_id, "timestamp");
CREATE UNIQUE INDEX idx_asset_name_uri_unique ON asset USING btree (name, uri);
CREATE INDEX idx_awm_trigger_id ON asset_watcher USING btree (trigger_id);
CREATE UNIQUE INDEX idx_dag_bundle_team_dag_bundle_name ON dag_bundle_team USING btree (dag_bundle_name);
CREATE INDEX idx_dag_bundle_team_team_name ON dag_bundle_team USING btree (team_name);
CREATE INDEX idx_dag_run_dag_id ON dag_run USING btree (dag_id);
CREATE INDEX idx_dag_run_queued_dags ON dag_run USING btree (state, dag_id) WHERE ((state)::text = 'queued'::text);
CREATE INDEX idx_dag_run_run_after ON dag_run USING btree (run_after);
CREATE INDEX idx_dag_run_running_dags ON dag_run USING btree (state, dag_id) WHERE ((state)::text = 'running'::text);
CREATE INDEX idx_dag_schedule_asset_alias_reference_dag_id ON dag_schedule_asset_alias_reference USING btree (dag_id);
CREATE INDEX idx_dag_schedule_asset_name_reference_dag_id ON dag_schedule_asset_name_reference USING btree (dag_id);
CREATE INDEX idx_dag_schedule_asset_reference_dag_id ON dag_schedule_asset_reference USING btree (dag_id);
CREATE INDEX idx_dag_schedule_asset_uri_reference_dag_id ON dag_schedule_asset_uri_reference USING btree (dag_id);
CREATE INDEX idx_dag_tag_dag_id ON dag_tag USING btree (dag_id);
CREATE INDEX idx_dag_warning_dag_id ON dag_warning USING btree (dag_id);
CREATE INDEX idx_dagrun_asset_events_dag_run_id ON dagrun_asset_event USING btree (dag_run_id);
CREATE INDEX idx_dagrun_asset_events_event_id ON dagrun_asset_event USING btree (event_id);
CREATE INDEX idx_group_id ON ab_group_role USING btree (group_id);
CREATE INDEX idx_group_role_id ON ab_group_role USING btree (role_id);
CREATE INDEX idx_job_dag_id ON job USING btree (dag_id);
CREATE INDEX idx_job_state_heartbeat ON job USING btree (state, latest_heartbeat);
CREATE INDEX idx_log_dttm ON log USING btree (dttm);
CREATE INDEX idx_log_event ON log USING btree (event);
CREATE INDEX idx_log_task_instance ON log USING btree (dag_id, task_id, run_id, map_index, try_number);
CREATE INDEX idx_next_dagrun_create_after ON dag USING btree (next_dagrun_create_after);
CREATE INDEX idx_permission_view_id ON ab_permission_view_role USING btree (permission_view_id);
CREATE INDEX idx_revoked_token_exp ON revoked_token USING btree (exp);
CREATE INDEX idx_role_id ON ab_permission_view_role USING btree (role_id);
CREATE INDEX idx_task_inlet_asset_reference_dag_id ON task_inlet_asset_reference USING btree (dag_id);
CREATE INDEX idx_task_outlet_asset_reference_dag_id ON task_outlet_asset_reference USING btree (dag_id);
CREATE INDEX idx_task_reschedule_ti_id_id_desc ON task_reschedule USING btree (ti_id, id DESC);
CREATE INDEX idx_tih_dag_run ON task_instance_history USING btree (dag_id, run_id);
CREATE INDEX idx_user_group_id ON ab_user_group USING btree (group_id);
CREATE INDEX idx_user_id ON ab_user_group USING btree (user_id);
CREATE INDEX idx_xcom_key ON xcom USING btree (key);
CREATE INDEX idx_xcom_task_instance ON xcom USING btree (dag_id, task_id, run_id, map_index);
CREATE INDEX job_type_heart ON job USING btree (job_type, latest_heartbeat);
CREATE INDEX ti_dag_run ON task_instance USING btree (dag_id, run_id);
CREATE INDEX ti_dag_state ON task_instance USING btree (dag_id, state);
CREATE INDEX ti_heartbeat ON task_instance USING btree (last_heartbeat_at);
CREATE INDEX ti_pool ON task_instance USING btree (pool, state, priority_weight);
CREATE INDEX ti_state ON task_instance USING btree (state);
CREATE INDEX ti_state_lkp ON task_instance USING btree (dag_id, task_id, run_id, state);
CREATE INDEX ti_trigger_id ON task_instance USING btree (trigger_id);
ALTER TABLE ONLY ab_group_role
    ADD CONSTRAINT ab_group_role_group_id_fkey FOREIGN KEY (group_id) REFERENCES ab_group(id) ON DELETE CASCADE;
ALTER TABLE ONLY ab_group_role
    ADD CONSTRAINT ab_group_role_role_id_fkey FOREIGN KEY (role_id) REFERENCES ab_role(id) ON DELETE CASCADE;
ALTER TABLE ONLY ab_permission_view
    ADD CONSTRAINT ab_permission_view_permission_id_fkey FOREIGN KEY (permission_id) REFERENCES ab_permission(id);
ALTER TABLE ONLY ab_permission_view_role
    ADD CONSTRAINT ab_permission_view_role_permission_view_id_fkey FOREIGN KEY (permission_view_id) REFERENCES ab_permission_view(id) ON DELETE CASCADE;
ALTER TABLE ONLY ab_permission_view_role
    ADD CONSTRAINT ab_permission_view_role_role_id_fkey FOREIGN KEY (role_id) REFERENCES ab_role(id) ON DELETE CASCADE;
ALTER TABLE ONLY ab_permission_view
    ADD CONSTRAINT ab_permission_view_view_menu_id_fkey FOREIGN KEY (view_menu_id) REFERENCES ab_view_menu(id);
ALTER TABLE ONLY ab_user
    ADD CONSTRAINT ab_user_changed_by_fk_fkey FOREIGN KEY (changed_by_fk) REFERENCES ab_user(id);
ALTER TABLE ONLY ab_user
    ADD CONSTRAINT ab_user_created_by_fk_fkey FOREIGN KEY (created_by_fk) REFERENCES ab_user(id);
ALTER TABLE ONLY ab_user_group
    ADD CONSTRAINT ab_user_group_group_id_fkey FOREIGN KEY (group_id) REFERENCES ab_group(id) ON DELETE CASCADE;
ALTER TABLE ONLY ab_user_group
    ADD CONSTRAINT ab_user_group_user_id_fkey FOREIGN KEY (user_id) REFERENCES ab_user(id) ON DELETE CASCADE;
ALTER TABLE ONLY ab_user_role
    ADD CONSTRAINT ab_user_role_role_id_fkey FOREIGN KEY (role_id) REFERENCES ab_role(id) ON DELETE CASCADE;
ALTER TABLE ONLY ab_user_role
    ADD CONSTRAINT ab_user_role_user_id_fkey FOREIGN KEY (user_id) REFERENCES ab_user(id) ON DELETE CASCADE;
ALTER TABLE ONLY asset_dag_run_queue
    ADD CONSTRAINT adrq_asset_fkey FOREIGN KEY (asset_id) REFERENCES asset(id) ON DELETE CASCADE;
ALTER TABLE ONLY asset_dag_run_queue
    ADD CONSTRAINT adrq_dag_fkey FOREIGN KEY (target_dag_id) REFERENCES dag(dag_id) ON DELETE CASCADE;
ALTER TABLE ONLY asset_partition_dag_run
    ADD CONSTRAINT apdr_created_dag_run_id_fkey FOREIGN KEY (created_dag_run_id) REFERENCES dag_run(id) ON DELETE CASCADE;
ALTER TABLE ONLY asset_active
    ADD CONSTRAINT asset_active_asset_name_uri_fkey FOREIGN KEY (name, uri) REFERENCES asset(name, uri) ON DELETE CASCADE;
ALTER TABLE ONLY asset_alias_asset
    ADD CONSTRAINT asset_alias_asset_alias_id_fkey FOREIGN KEY (alias_id) REFERENCES asset_alias(id) ON DELETE CASCADE;
ALTER TABLE ONLY asset_alias_asset
    ADD CONSTRAINT asset_alias_asset_asset_id_fkey FOREIGN KEY (asset_id) REFERENCES asset(id) ON DELETE CASCADE;
ALTER TABLE ONLY asset_alias_asset_event
    ADD CONSTRAINT asset_alias_asset_event_alias_id_fkey FOREIGN KEY (alias_id) REFERENCES asset_alias(id) ON DELETE CASCADE;
ALTER TABLE ONLY asset_alias_asset_event
    ADD CONSTRAINT asset_alias_asset_event_event_id_fkey FOREIGN KEY (event_id) REFERENCES asset_event(id) ON DELETE CASCADE;
ALTER TABLE ONLY asset_watcher
    ADD CONSTRAINT awm_asset_id_fkey FOREIGN KEY (asset_id) REFERENCES asset(id) ON DELETE CASCADE;
ALTER TABLE ONLY asset_watcher
    ADD CONSTRAINT awm_trigger_id_fkey FOREIGN KEY (trigger_id) REFERENCES trigger(id) ON DELETE CASCADE;
ALTER TABLE ONLY backfill_dag_run
    ADD CONSTRAINT bdr_backfill_fkey FOREIGN KEY (backfill_id) REFERENCES backfill(id) ON DELETE CASCADE;
ALTER TABLE ONLY backfill_dag_run
    ADD CONSTRAINT bdr_dag_run_fkey FOREIGN KEY (dag_run_id) REFERENCES dag_run(id) ON DELETE SET NULL;
ALTER TABLE ONLY callback
    ADD CONSTRAINT callback_trigger_id_fkey FOREIGN KEY (trigger_id) REFERENCES trigger(id);
ALTER TABLE ONLY connection
    ADD CONSTRAINT connection_team_name_fkey FOREIGN KEY (team_name) REFERENCES team(name) ON DELETE SET NULL;
ALTER TABLE ONLY dag_run
    ADD CONSTRAINT created_dag_version_id_fkey FOREIGN KEY (created_dag_version_id) REFERENCES dag_version(id) ON DELETE SET NULL;
ALTER TABLE ONLY dag_owner_attributes
    ADD CONSTRAINT "dag.dag_id" FOREIGN KEY (dag_id) REFERENCES dag(dag_id) ON DELETE CASCADE;
ALTER TABLE ONLY dag
    ADD CONSTRAINT dag_bundle_name_fkey FOREIGN KEY (bundle_name) REFERENCES dag_bundle(name);
ALTER TABLE ONLY dag_bundle_team
    ADD CONSTRAINT dag_bundle_team_dag_bundle_name_fkey FOREIGN KEY (dag_bundle_name) REFERENCES dag_bundle(name) ON DELETE CASCADE;
ALTER TABLE ONLY dag_bundle_team
    ADD CONSTRAINT dag_bundle_team_team_name_fkey FOREIGN KEY (team_name) REFERENCES team(name) ON DELETE CASCADE;
ALTER TABLE ONLY dag_code
    ADD CONSTRAINT dag_code_dag_version_id_fkey FOREIGN KEY (dag_version_id) REFERENCES dag_version(id) ON DELETE CASCADE;
ALTER TABLE ONLY dag_favorite
    ADD CONSTRAINT dag_favorite_dag_id_fkey FOREIGN KEY (dag_id) REFERENCES dag(dag_id) ON DELETE CASCADE;
ALTER TABLE ONLY dag_run
    ADD CONSTRAINT dag_run_backfill_id_fkey FOREIGN KEY (backfill_id) REFERENCES backfill(id);
ALTER TABLE ONLY dag_run_note
    ADD CONSTRAINT dag_run_note_dr_fkey FOREIGN KEY (dag_run_id) REFERENCES dag_run(id) ON DELETE CASCADE;
ALTER TABLE ONLY dag_tag
    ADD CONSTRAINT dag_tag_dag_id_fkey FOREIGN KEY (dag_id) REFERENCES dag(dag_id) ON DELETE CASCADE;
ALTER TABLE ONLY dag_version
    ADD CONSTRAINT dag_version_dag_id_fkey FOREIGN KEY (dag_id) REFERENCES dag(dag_id) ON DELETE CASCADE;
ALTER TABLE ONLY dagrun_asset_event
    ADD CONSTRAINT dagrun_asset_event_dag_run_id_fkey FOREIGN KEY (dag_run_id) REFERENCES dag_run(id) ON DELETE CASCADE;
ALTER TABLE ONLY dagrun_asset_event
    ADD CONSTRAINT dagrun_asset_event_event_id_fkey FOREIGN KEY (event_id) REFERENCES asset_event(id) ON DELETE CASCADE;
ALTER TABLE ONLY dag_warning
    ADD CONSTRAINT dcw_dag_id_fkey FOREIGN KEY (dag_id) REFERENCES dag(dag_id) ON DELETE CASCADE;
ALTER TABLE ONLY deadline_alert
    ADD CONSTRAINT deadline_alert_serialized_dag_id_fkey FOREIGN KEY (serialized_dag_id) REFERENCES serialized_dag(id) ON DELETE CASCADE;
ALTER TABLE ONLY deadline
    ADD CONSTRAINT deadline_callback_id_fkey FOREIGN KEY (callback_id) REFERENCES callback(id) ON DELETE CASCADE;
ALTER TABLE ONLY deadline
    ADD CONSTRAINT deadline_dagrun_id_fkey FOREIGN KEY (dagrun_id) REFERENCES dag_run(id) ON DELETE CASCADE;
ALTER TABLE ONLY deadline
    ADD CONSTRAINT deadline_deadline_alert_id_fkey FOREIGN KEY (deadline_alert_id) REFERENCES deadline_alert(id) ON DELETE SET NULL;
ALTER TABLE ONLY dag_schedule_asset_alias_reference
    ADD CONSTRAINT dsaar_asset_alias_fkey FOREIGN KEY (alias_id) REFERENCES asset_alias(id) ON DELETE CASCADE;
ALTER TABLE ONLY dag_schedule_asset_alias_reference
    ADD CONSTRAINT dsaar_dag_id_fkey FOREIGN KEY (dag_id) REFERENCES dag(dag_id) ON DELETE CASCADE;
ALTER TABLE ONLY dag_schedule_asset_name_reference
    ADD CONSTRAINT dsanr_dag_id_fkey FOREIGN KEY (dag_id) REFERENCES dag(dag_id) ON DELETE CASCADE;
ALTER TABLE ONLY dag_schedule_asset_reference
    ADD CONSTRAINT dsar_asset_fkey FOREIGN KEY (asset_id) REFERENCES asset(id) ON DELETE CASCADE;
ALTER TABLE ONLY dag_schedule_asset_reference
    ADD CONSTRAINT dsar_dag_id_fkey FOREIGN KEY (dag_id) REFERENCES dag(dag_id) ON DELETE CASCADE;
ALTER TABLE ONLY dag_schedule_asset_uri_reference
    ADD CONSTRAINT dsaur_dag_id_fkey FOREIGN KEY (dag_id) REFERENCES dag(dag_id) ON DELETE CASCADE;
ALTER TABLE ONLY hitl_detail_history
    ADD CONSTRAINT hitl_detail_history_tih_fkey FOREIGN KEY (ti_history_id) REFERENCES task_instance_history(task_instance_id) ON UPDATE CASCADE ON DELETE CASCADE;
ALTER TABLE ONLY hitl_detail
    ADD CONSTRAINT hitl_detail_ti_fkey FOREIGN KEY (ti_id) REFERENCES task_instance(id) ON UPDATE CASCADE ON DELETE CASCADE;
ALTER TABLE ONLY rendered_task_instance_fields
    ADD CONSTRAINT rtif_ti_fkey FOREIGN KEY (dag_id, task_id, run_id, map_index) REFERENCES task_instance(dag_id, task_id, run_id, map_index) ON DELETE CASCADE;
ALTER TABLE ONLY serialized_dag
    ADD CONSTRAINT serialized_dag_dag_version_id_fkey FOREIGN KEY (dag_version_id) REFERENCES dag_version(id) ON DELETE CASCADE;
ALTER TABLE ONLY slot_pool
    ADD CONSTRAINT slot_pool_team_name_fkey FOREIGN KEY (team_name) REFERENCES team(name) ON DELETE SET NULL;
ALTER TABLE ONLY task_instance
    ADD CONSTRAINT task_instance_dag_run_fkey FOREIGN KEY (dag_id, run_id) REFERENCES dag_run(dag_id, run_id) ON DELETE CASCADE;
ALTER TABLE ONLY task_instance
    ADD CONSTRAINT task_instance_dag_version_id_fkey FOREIGN KEY (dag_version_id) REFERENCES dag_version(id) ON DELETE RESTRICT;
ALTER TABLE ONLY task_instance_history
    ADD CONSTRAINT task_instance_history_ti_fkey FOREIGN KEY (dag_id, task_id, run_id, map_index) REFERENCES task_instance(dag_id, task_id, run_id, map_index) ON UPDATE CASCADE ON DELETE CASCADE;
ALTER TABLE ONLY dag_run
    ADD CONSTRAINT task_instance_log_template_id_fkey FOREIGN KEY (log_template_id) REFERENCES log_template(id);
ALTER TABLE ONLY task_instance_note
    ADD CONSTRAINT task_instance_note_ti_fkey FOREIGN KEY (ti_id) REFERENCES task_instance(id) ON UPDATE CASCADE ON DELETE CASCADE;
ALTER TABLE ONLY task_instance
    ADD CONSTRAINT task_instance_trigger_id_fkey FOREIGN KEY (trigger_id) REFERENCES trigger(id) ON DELETE CASCADE;
ALTER TABLE ONLY task_map
    ADD CONSTRAINT task_map_task_instance_fkey FOREIGN KEY (dag_id, task_id, run_id, map_index) REFERENCES task_instance(dag_id, task_id, run_id, map_index) ON UPDATE CASCADE ON DELETE CASCADE;
ALTER TABLE ONLY task_reschedule
    ADD CONSTRAINT task_reschedule_ti_fkey FOREIGN KEY (ti_id) REFERENCES task_instance(id) ON DELETE CASCADE;
ALTER TABLE ONLY task_inlet_asset_reference
    ADD CONSTRAINT tiar_asset_fkey FOREIGN KEY (asset_id) REFERENCES asset(id) ON DELETE CASCADE;
ALTER TABLE ONLY task_inlet_asset_reference
    ADD CONSTRAINT tiar_dag_id_fkey FOREIGN KEY (dag_id) REFERENCES dag(dag_id) ON DELETE CASCADE;
ALTER TABLE ONLY task_outlet_asset_reference
    ADD CONSTRAINT toar_asset_fkey FOREIGN KEY (asset_id) REFERENCES asset(id) ON DELETE CASCADE;
ALTER TABLE ONLY task_outlet_asset_reference
    ADD CONSTRAINT toar_dag_id_fkey FOREIGN KEY (dag_id) REFERENCES dag(dag_id) ON DELETE CASCADE;
ALTER TABLE ONLY variable
    ADD CONSTRAINT variable_team_name_fkey FOREIGN KEY (team_name) REFERENCES team(name) ON DELETE SET NULL;
ALTER TABLE ONLY xcom
    ADD CONSTRAINT xcom_task_instance_fkey FOREIGN KEY (dag_id, task_id, run_id, map_index) REFERENCES task_instance(dag_id, task_id, run_id, map_index) ON DELETE CASCADE;
