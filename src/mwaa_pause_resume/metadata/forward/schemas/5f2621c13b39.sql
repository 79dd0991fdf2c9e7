CREATE TABLE ab_permission (
    id integer NOT NULL,
    name character varying(100) NOT NULL
);
CREATE SEQUENCE ab_permission_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE ab_permission_id_seq OWNED BY ab_permission.id;
CREATE TABLE ab_permission_view (
    id integer NOT NULL,
    permission_id integer,
    view_menu_id integer
);
CREATE SEQUENCE ab_permission_view_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE ab_permission_view_id_seq OWNED BY ab_permission_view.id;
CREATE TABLE ab_permission_view_role (
    id integer NOT NULL,
    permission_view_id integer,
    role_id integer
);
CREATE SEQUENCE ab_permission_view_role_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE ab_permission_view_role_id_seq OWNED BY ab_permission_view_role.id;
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
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE ab_register_user_id_seq OWNED BY ab_register_user.id;
CREATE TABLE ab_role (
    id integer NOT NULL,
    name character varying(64) NOT NULL
);
CREATE SEQUENCE ab_role_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE ab_role_id_seq OWNED BY ab_role.id;
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
CREATE SEQUENCE ab_user_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE ab_user_id_seq OWNED BY ab_user.id;
CREATE TABLE ab_user_role (
    id integer NOT NULL,
    user_id integer,
    role_id integer
);
CREATE SEQUENCE ab_user_role_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE ab_user_role_id_seq OWNED BY ab_user_role.id;
CREATE TABLE ab_view_menu (
    id integer NOT NULL,
    name character varying(250) NOT NULL
);
CREATE SEQUENCE ab_view_menu_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE ab_view_menu_id_seq OWNED BY ab_view_menu.id;
CREATE TABLE alembic_version (
    version_num character varying(32) NOT NULL
);
CREATE TABLE callback_request (
    id integer NOT NULL,
    created_at timestamp with time zone NOT NULL,
    priority_weight integer NOT NULL,
    callback_data json NOT NULL,
    callback_type character varying(20) NOT NULL,
    processor_subdir character varying(2000)
);
CREATE SEQUENCE callback_request_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE callback_request_id_seq OWNED BY callback_request.id;
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
    is_encrypted boolean,
    is_extra_encrypted boolean,
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
    root_dag_id character varying(250),
    is_paused boolean,
    is_subdag boolean,
    is_active boolean,
    last_parsed_time timestamp with time zone,
    last_pickled timestamp with time zone,
    last_expired timestamp with time zone,
    scheduler_lock boolean,
    pickle_id integer,
    fileloc character varying(2000),
    processor_subdir character varying(2000),
    owners character varying(2000),
    dag_display_name character varying(2000),
    description text,
    default_view character varying(25),
    schedule_interval text,
    timetable_description character varying(1000),
    dataset_expression json,
    max_active_tasks integer NOT NULL,
    max_active_runs integer,
    max_consecutive_failed_dag_runs integer NOT NULL,
    has_task_concurrency_limits boolean NOT NULL,
    has_import_errors boolean DEFAULT false,
    next_dagrun timestamp with time zone,
    next_dagrun_data_interval_start timestamp with time zone,
    next_dagrun_data_interval_end timestamp with time zone,
    next_dagrun_create_after timestamp with time zone
);
CREATE TABLE dag_code (
    fileloc_hash bigint NOT NULL,
    fileloc character varying(2000) NOT NULL,
    last_updated timestamp with time zone NOT NULL,
    source_code text NOT NULL
);
CREATE TABLE dag_owner_attributes (
    dag_id character varying(250) NOT NULL,
    owner character varying(500) NOT NULL,
    link character varying(500) NOT NULL
);
CREATE TABLE dag_pickle (
    id integer NOT NULL,
    pickle bytea,
    created_dttm timestamp with time zone,
    pickle_hash bigint
);
CREATE SEQUENCE dag_pickle_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE dag_pickle_id_seq OWNED BY dag_pickle.id;
CREATE TABLE dag_priority_parsing_request (
    id character varying(32) NOT NULL,
    fileloc character varying(2000) NOT NULL
);
CREATE TABLE dag_run (
    id integer NOT NULL,
    dag_id character varying(250) NOT NULL,
    queued_at timestamp with time zone,
    execution_date timestamp with time zone NOT NULL,
    start_date timestamp with time zone,
    end_date timestamp with time zone,
    state character varying(50),
    run_id character varying(250) NOT NULL,
    creating_job_id integer,
    external_trigger boolean,
    run_type character varying(50) NOT NULL,
    conf bytea,
    data_interval_start timestamp with time zone,
    data_interval_end timestamp with time zone,
    last_scheduling_decision timestamp with time zone,
    dag_hash character varying(32),
    log_template_id integer,
    updated_at timestamp with time zone,
    clear_number integer DEFAULT 0 NOT NULL
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
    user_id integer,
    dag_run_id integer NOT NULL,
    content character varying(1000),
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL
);
CREATE TABLE dag_schedule_dataset_alias_reference (
    alias_id integer NOT NULL,
    dag_id character varying(250) NOT NULL,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL
);
CREATE TABLE dag_schedule_dataset_reference (
    dataset_id integer NOT NULL,
    dag_id character varying(250) NOT NULL,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL
);
CREATE TABLE dag_tag (
    name character varying(100) NOT NULL,
    dag_id character varying(250) NOT NULL
);
CREATE TABLE dag_warning (
    dag_id character varying(250) NOT NULL,
    warning_type character varying(50) NOT NULL,
    message text NOT NULL,
    "timestamp" timestamp with time zone NOT NULL
);
CREATE TABLE dagrun_dataset_event (
    dag_run_id integer NOT NULL,
    event_id integer NOT NULL
);
CREATE TABLE dataset (
    id integer NOT NULL,
    uri character varying(3000) NOT NULL,
    extra json NOT NULL,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    is_orphaned boolean DEFAULT false NOT NULL
);
CREATE TABLE dataset_alias (
    id integer NOT NULL,
    name character varying(3000) NOT NULL
);
CREATE TABLE dataset_alias_dataset (
    alias_id integer NOT NULL,
    dataset_id integer NOT NULL
);
CREATE TABLE dataset_alias_dataset_event (
    alias_id integer NOT NULL,
    event_id integer NOT NULL
);
CREATE SEQUENCE dataset_alias_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE dataset_alias_id_seq OWNED BY dataset_alias.id;
CREATE TABLE dataset_dag_run_queue (
    dataset_id integer NOT NULL,
    target_dag_id character varying(250) NOT NULL,
    created_at timestamp with time zone NOT NULL
);
CREATE TABLE dataset_event (
    id integer NOT NULL,
    dataset_id integer NOT NULL,
    extra json NOT NULL,
    source_task_id character varying(250),
    source_dag_id character varying(250),
    source_run_id character varying(250),
    source_map_index integer DEFAULT '-1'::integer,
    "timestamp" timestamp with time zone NOT NULL
);
CREATE SEQUENCE dataset_event_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE dataset_event_id_seq OWNED BY dataset_event.id;
CREATE SEQUENCE dataset_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE dataset_id_seq OWNED BY dataset.id;
CREATE TABLE import_error (
    id integer NOT NULL,
    "timestamp" timestamp with time zone,
    filename character varying(1024),
    stacktrace text,
    processor_subdir character varying(2000)
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
    event character varying(60),
    execution_date timestamp with time zone,
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
CREATE TABLE rendered_task_instance_fields (
    dag_id character varying(250) NOT NULL,
    task_id character varying(250) NOT NULL,
    run_id character varying(250) NOT NULL,
    map_index integer DEFAULT '-1'::integer NOT NULL,
    rendered_fields json NOT NULL,
    k8s_pod_yaml json
);
CREATE TABLE serialized_dag (
    dag_id character varying(250) NOT NULL,
    fileloc character varying(2000) NOT NULL,
    fileloc_hash bigint NOT NULL,
    data json,
    data_compressed bytea,
    last_updated timestamp with time zone NOT NULL,
    dag_hash character varying(32) NOT NULL,
    processor_subdir character varying(2000)
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
CREATE TABLE sla_miss (
    task_id character varying(250) NOT NULL,
    dag_id character varying(250) NOT NULL,
    execution_date timestamp with time zone NOT NULL,
    email_sent boolean,
    "timestamp" timestamp with time zone,
    description text,
    notification_sent boolean
);
CREATE TABLE slot_pool (
    id integer NOT NULL,
    pool character varying(256),
    slots integer,
    description text,
    include_deferred boolean NOT NULL
);
CREATE SEQUENCE slot_pool_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE slot_pool_id_seq OWNED BY slot_pool.id;
CREATE TABLE task_fail (
    id integer NOT NULL,
    task_id character varying(250) NOT NULL,
    dag_id character varying(250) NOT NULL,
    run_id character varying(250) NOT NULL,
    map_index integer DEFAULT '-1'::integer NOT NULL,
    start_date timestamp with time zone,
    end_date timestamp with time zone,
    duration integer
);
CREATE SEQUENCE task_fail_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE task_fail_id_seq OWNED BY task_fail.id;
CREATE TABLE task_instance (
    task_id character varying(250) NOT NULL,
    dag_id character varying(250) NOT NULL,
    run_id character varying(250) NOT NULL,
    map_index integer DEFAULT '-1'::integer NOT NULL,
    start_date timestamp with time zone,
    end_date timestamp with time zone,
    duration double precision,
    state character varying(20),
    try_number integer,
    max_tries integer DEFAULT '-1'::integer,
    hostname character varying(1000),
    unixname character varying(1000),
    job_id integer,
    pool character varying(256) NOT NULL,
    pool_slots integer NOT NULL,
    queue character varying(256),
    priority_weight integer,
    operator character varying(1000),
    custom_operator_name character varying(1000),
    queued_dttm timestamp with time zone,
    queued_by_job_id integer,
    pid integer,
    executor character varying(1000),
    executor_config bytea,
    updated_at timestamp with time zone,
    rendered_map_index character varying(250),
    external_executor_id character varying(250),
    trigger_id integer,
    trigger_timeout timestamp without time zone,
    next_method character varying(1000),
    next_kwargs json,
    task_display_name character varying(2000)
);
CREATE TABLE task_instance_history (
    id integer NOT NULL,
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
    job_id integer,
    pool character varying(256) NOT NULL,
    pool_slots integer NOT NULL,
    queue character varying(256),
    priority_weight integer,
    operator character varying(1000),
    custom_operator_name character varying(1000),
    queued_dttm timestamp with time zone,
    queued_by_job_id integer,
    pid integer,
    executor character varying(1000),
    executor_config bytea,
    updated_at timestamp with time zone,
    rendered_map_index character varying(250),
    external_executor_id character varying(250),
    trigger_id integer,
    trigger_timeout timestamp without time zone,
    next_method character varying(1000),
    next_kwargs json,
    task_display_name character varying(2000)
);
CREATE SEQUENCE task_instance_history_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE task_instance_history_id_seq OWNED BY task_instance_history.id;
CREATE TABLE task_instance_note (
    user_id integer,
    task_id character varying(250) NOT NULL,
    dag_id character varying(250) NOT NULL,
    run_id character varying(250) NOT NULL,
    map_index integer NOT NULL,
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
    keys json,
    CONSTRAINT ck_task_map_task_map_length_not_negative CHECK ((length >= 0))
);
CREATE TABLE task_outlet_dataset_reference (
    dataset_id integer NOT NULL,
    dag_id character varying(250) NOT NULL,
    task_id character varying(250) NOT NULL,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL
);
CREATE TABLE task_reschedule (
    id integer NOT NULL,
    task_id character varying(250) NOT NULL,
    dag_id character varying(250) NOT NULL,
    run_id character varying(250) NOT NULL,
    map_index integer DEFAULT '-1'::integer NOT NULL,
    try_number integer NOT NULL,
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
CREATE TABLE trigger (
    id integer NOT NULL,
    classpath character varying(1000) NOT NULL,
    kwargs text NOT NULL,
    created_date timestamp with time zone NOT NULL,
    triggerer_id integer
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
    key character varying(250),
    val text,
    description text,
    is_encrypted boolean
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
    value bytea,
    "timestamp" timestamp with time zone NOT NULL
);
ALTER TABLE ONLY ab_permission ALTER COLUMN id SET DEFAULT nextval('ab_permission_id_seq'::regclass);
ALTER TABLE ONLY ab_permission_view ALTER COLUMN id SET DEFAULT nextval('ab_permission_view_id_seq'::regclass);
ALTER TABLE ONLY ab_permission_view_role ALTER COLUMN id SET DEFAULT nextval('ab_permission_view_role_id_seq'::regclass);
ALTER TABLE ONLY ab_register_user ALTER COLUMN id SET DEFAULT nextval('ab_register_user_id_seq'::regclass);
ALTER TABLE ONLY ab_role ALTER COLUMN id SET DEFAULT nextval('ab_role_id_seq'::regclass);
ALTER TABLE ONLY ab_user ALTER COLUMN id SET DEFAULT nextval('ab_user_id_seq'::regclass);
ALTER TABLE ONLY ab_user_role ALTER COLUMN id SET DEFAULT nextval('ab_user_role_id_seq'::regclass);
ALTER TABLE ONLY ab_view_menu ALTER COLUMN id SET DEFAULT nextval('ab_view_menu_id_seq'::regclass);
ALTER TABLE ONLY callback_request ALTER COLUMN id SET DEFAULT nextval('callback_request_id_seq'::regclass);
ALTER TABLE ONLY connection ALTER COLUMN id SET DEFAULT nextval('connection_id_seq'::regclass);
ALTER TABLE ONLY dag_pickle ALTER COLUMN id SET DEFAULT nextval('dag_pickle_id_seq'::regclass);
ALTER TABLE ONLY dag_run ALTER COLUMN id SET DEFAULT nextval('dag_run_id_seq'::regclass);
ALTER TABLE ONLY dataset ALTER COLUMN id SET DEFAULT nextval('dataset_id_seq'::regclass);
ALTER TABLE ONLY dataset_alias ALTER COLUMN id SET DEFAULT nextval('dataset_alias_id_seq'::regclass);
ALTER TABLE ONLY dataset_event ALTER COLUMN id SET DEFAULT nextval('dataset_event_id_seq'::regclass);
ALTER TABLE ONLY import_error ALTER COLUMN id SET DEFAULT nextval('import_error_id_seq'::regclass);
ALTER TABLE ONLY job ALTER COLUMN id SET DEFAULT nextval('job_id_seq'::regclass);
ALTER TABLE ONLY log ALTER COLUMN id SET DEFAULT nextval('log_id_seq'::regclass);
ALTER TABLE ONLY log_template ALTER COLUMN id SET DEFAULT nextval('log_template_id_seq'::regclass);
ALTER TABLE ONLY session ALTER COLUMN id SET DEFAULT nextval('session_id_seq'::regclass);
ALTER TABLE ONLY slot_pool ALTER COLUMN id SET DEFAULT nextval('slot_pool_id_seq'::regclass);
ALTER TABLE ONLY task_fail ALTER COLUMN id SET DEFAULT nextval('task_fail_id_seq'::regclass);
ALTER TABLE ONLY task_instance_history ALTER COLUMN id SET DEFAULT nextval('task_instance_history_id_seq'::regclass);
ALTER TABLE ONLY task_reschedule ALTER COLUMN id SET DEFAULT nextval('task_reschedule_id_seq'::regclass);
ALTER TABLE ONLY trigger ALTER COLUMN id SET DEFAULT nextval('trigger_id_seq'::regclass);
ALTER TABLE ONLY variable ALTER COLUMN id SET DEFAULT nextval('variable_id_seq'::regclass);
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
    ADD CONSTRAINT ab_register_user_pkey PRIMARY KEY (id);
ALTER TABLE ONLY ab_register_user
    ADD CONSTRAINT ab_register_user_username_uq UNIQUE (username);
ALTER TABLE ONLY ab_role
    ADD CONSTRAINT ab_role_name_uq UNIQUE (name);
ALTER TABLE ONLY ab_role
    ADD CONSTRAINT ab_role_pkey PRIMARY KEY (id);
ALTER TABLE ONLY ab_user
    ADD CONSTRAINT ab_user_email_uq UNIQUE (email);
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
ALTER TABLE ONLY alembic_version
    ADD CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num);
ALTER TABLE ONLY callback_request
    ADD CONSTRAINT callback_request_pkey PRIMARY KEY (id);
ALTER TABLE ONLY connection
    ADD CONSTRAINT connection_conn_id_uq UNIQUE (conn_id);
ALTER TABLE ONLY connection
    ADD CONSTRAINT connection_pkey PRIMARY KEY (id);
ALTER TABLE ONLY dag_code
    ADD CONSTRAINT dag_code_pkey PRIMARY KEY (fileloc_hash);
ALTER TABLE ONLY dag_owner_attributes
    ADD CONSTRAINT dag_owner_attributes_pkey PRIMARY KEY (dag_id, owner);
ALTER TABLE ONLY dag_pickle
    ADD CONSTRAINT dag_pickle_pkey PRIMARY KEY (id);
ALTER TABLE ONLY dag
    ADD CONSTRAINT dag_pkey PRIMARY KEY (dag_id);
ALTER TABLE ONLY dag_priority_parsing_request
    ADD CONSTRAINT dag_priority_parsing_request_pkey PRIMARY KEY (id);
ALTER TABLE ONLY dag_run
    ADD CONSTRAINT dag_run_dag_id_execution_date_key UNIQUE (dag_id, execution_date);
ALTER TABLE ONLY dag_run
    ADD CONSTRAINT dag_run_dag_id_run_id_key UNIQUE (dag_id, run_id);
ALTER TABLE ONLY dag_run_note
    ADD CONSTRAINT dag_run_note_pkey PRIMARY KEY (dag_run_id);
ALTER TABLE ONLY dag_run
    ADD CONSTRAINT dag_run_pkey PRIMARY KEY (id);
ALTER TABLE ONLY dag_tag
    ADD CONSTRAINT dag_tag_pkey PRIMARY KEY (name, dag_id);
ALTER TABLE ONLY dag_warning
    ADD CONSTRAINT dag_warning_pkey PRIMARY KEY (dag_id, warning_type);
ALTER TABLE ONLY dagrun_dataset_event
    ADD CONSTRAINT dagrun_dataset_event_pkey PRIMARY KEY (dag_run_id, event_id);
ALTER TABLE ONLY dataset_alias_dataset_event
    ADD CONSTRAINT dataset_alias_dataset_event_pkey PRIMARY KEY (alias_id, event_id);
ALTER TABLE ONLY dataset_alias_dataset
    ADD CONSTRAINT dataset_alias_dataset_pkey PRIMARY KEY (alias_id, dataset_id);
ALTER TABLE ONLY dataset_alias
    ADD CONSTRAINT dataset_alias_pkey PRIMARY KEY (id);
ALTER TABLE ONLY dataset_event
    ADD CONSTRAINT dataset_event_pkey PRIMARY KEY (id);
ALTER TABLE ONLY dataset
    ADD CONSTRAINT dataset_pkey PRIMARY KEY (id);
ALTER TABLE ONLY dataset_dag_run_queue
    ADD CONSTRAINT datasetdagrunqueue_pkey PRIMARY KEY (dataset_id, target_dag_id);
ALTER TABLE ONLY dag_schedule_dataset_alias_reference
    ADD CONSTRAINT dsdar_pkey PRIMARY KEY (alias_id, dag_id);
ALTER TABLE ONLY dag_schedule_dataset_reference
    ADD CONSTRAINT dsdr_pkey PRIMARY KEY (dataset_id, dag_id);
ALTER TABLE ONLY import_error
    ADD CONSTRAINT import_error_pkey PRIMARY KEY (id);
ALTER TABLE ONLY job
    ADD CONSTRAINT job_pkey PRIMARY KEY (id);
ALTER TABLE ONLY log
    ADD CONSTRAINT log_pkey PRIMARY KEY (id);
ALTER TABLE ONLY log_template
    ADD CONSTRAINT log_template_pkey PRIMARY KEY (id);
ALTER TABLE ONLY rendered_task_instance_fields
    ADD CONSTRAINT rendered_task_instance_fields_pkey PRIMARY KEY (dag_id, task_id, run_id, map_index);
ALTER TABLE ONLY serialized_dag
    ADD CONSTRAINT serialized_dag_pkey PRIMARY KEY (dag_id);
ALTER TABLE ONLY session
    ADD CONSTRAINT session_pkey PRIMARY KEY (id);
ALTER TABLE ONLY session
    ADD CONSTRAINT session_session_id_key UNIQUE (session_id);
ALTER TABLE ONLY sla_miss
    ADD CONSTRAINT sla_miss_pkey PRIMARY KEY (task_id, dag_id, execution_date);
ALTER TABLE ONLY slot_pool
    ADD CONSTRAINT slot_pool_pkey PRIMARY KEY (id);
ALTER TABLE ONLY slot_pool
    ADD CONSTRAINT slot_pool_pool_uq UNIQUE (pool);
ALTER TABLE ONLY task_fail
    ADD CONSTRAINT task_fail_pkey PRIMARY KEY (id);
ALTER TABLE ONLY task_instance_history
    ADD CONSTRAINT task_instance_history_dtrt_uq UNIQUE (dag_id, task_id, run_id, map_index, try_number);
ALTER TABLE ONLY task_instance_history
    ADD CONSTRAINT task_instance_history_pkey PRIMARY KEY (id);
ALTER TABLE ONLY task_instance_note
    ADD CONSTRAINT task_instance_note_pkey PRIMARY KEY (task_id, dag_id, run_id, map_index);
ALTER TABLE ONLY task_instance
    ADD CONSTRAINT task_instance_pkey PRIMARY KEY (dag_id, task_id, run_id, map_index);
ALTER TABLE ONLY task_map
    ADD CONSTRAINT task_map_pkey PRIMARY KEY (dag_id, task_id, run_id, map_index);
ALTER TABLE ONLY task_reschedule
    ADD CONSTRAINT task_reschedule_pkey PRIMARY KEY (id);
ALTER TABLE ONLY task_outlet_dataset_reference
    ADD CONSTRAINT todr_pkey PRIMARY KEY (dataset_id, dag_id, task_id);
ALTER TABLE ONLY trigger
    ADD CONSTRAINT trigger_pkey PRIMARY KEY (id);
ALTER TABLE ONLY variable
    ADD CONSTRAINT variable_key_uq UNIQUE (key);
ALTER TABLE ONLY variable
    ADD CONSTRAINT variable_pkey PRIMARY KEY (id);
ALTER TABLE ONLY xcom
    ADD CONSTRAINT xcom_pkey PRIMARY KEY (dag_run_id, task_id, map_index, key);
CREATE INDEX dag_id_state ON dag_run USING btree (dag_id, state);
CREATE UNIQUE INDEX idx_ab_register_user_username ON ab_register_user USING btree (lower((username)::text));
CREATE UNIQUE INDEX idx_ab_user_username ON ab_user USING btree (lower((username)::text));
CREATE INDEX idx_dag_run_dag_id ON dag_run USING btree (dag_id);
CREATE INDEX idx_dag_run_queued_dags ON dag_run USING btree (state, dag_id) WHERE ((state)::text = 'queued'::text);
CREATE INDEX idx_dag_run_running_dags ON dag_run USING btree (state, dag_id) WHERE ((state)::text = 'running'::text);
CREATE INDEX idx_dag_schedule_dataset_alias_reference_dag_id ON dag_schedule_dataset_alias_reference USING btree (dag_id);
CREATE INDEX idx_dag_schedule_dataset_reference_dag_id ON dag_schedule_dataset_reference USING btree (dag_id);
CREATE INDEX idx_dag_tag_dag_id ON dag_tag USING btree (dag_id);
CREATE INDEX idx_dag_warning_dag_id ON dag_warning USING btree (dag_id);
CREATE INDEX idx_dagrun_dataset_events_dag_run_id ON dagrun_dataset_event USING btree (dag_run_id);
CREATE INDEX idx_dagrun_dataset_events_event_id ON dagrun_dataset_event USING btree (event_id);
CREATE INDEX idx_dataset_alias_dataset_alias_dataset_id ON dataset_alias_dataset USING btree (dataset_id);
CREATE INDEX idx_dataset_alias_dataset_alias_id ON dataset_alias_dataset USING btree (alias_id);
CREATE INDEX idx_dataset_alias_dataset_event_alias_id ON dataset_alias_dataset_event USING btree (alias_id);
CREATE INDEX idx_dataset_alias_dataset_event_event_id ON dataset_alias_dataset_event USING btree (event_id);
CREATE INDEX idx_dataset_dag_run_queue_target_dag_id ON dataset_dag_run_queue USING btree (target_dag_id);
CREATE INDEX idx_dataset_id_timestamp ON dataset_event USING btree (dataset_id, "timestamp");
CREATE INDEX idx_fileloc_hash ON serialized_dag USING btree (fileloc_hash);
CREATE INDEX idx_job_dag_id ON job USING btree (dag_id);
CREATE INDEX idx_job_state_heartbeat ON job USING btree (state, latest_heartbeat);
CREATE INDEX idx_log_dag ON log USING btree (dag_id);
CREATE INDEX idx_log_dttm ON log USING btree (dttm);
CREATE INDEX idx_log_event ON log USING btree (event);
CREATE INDEX idx_log_task_instance ON log USING btree (dag_id, task_id, run_id, map_index, try_number);
CREATE UNIQUE INDEX idx_name_unique ON dataset_alias USING btree (name);
CREATE INDEX idx_next_dagrun_create_after ON dag USING btree (next_dagrun_create_after);
CREATE INDEX idx_root_dag_id ON dag USING btree (root_dag_id);
CREATE INDEX idx_task_fail_task_instance ON task_fail USING btree (dag_id, task_id, run_id, map_index);
CREATE INDEX idx_task_outlet_dataset_reference_dag_id ON task_outlet_dataset_reference USING btree (dag_id);
CREATE INDEX idx_task_reschedule_dag_run ON task_reschedule USING btree (dag_id, run_id);
CREATE INDEX idx_task_reschedule_dag_task_run ON task_reschedule USING btree (dag_id, task_id, run_id, map_index);
CREATE UNIQUE INDEX idx_uri_unique ON dataset USING btree (uri);
CREATE INDEX idx_xcom_key ON xcom USING btree (key);
CREATE INDEX idx_xcom_task_instance ON xcom USING btree (dag_id, task_id, run_id, map_index);
CREATE INDEX job_type_heart ON job USING btree (job_type, latest_heartbeat);
CREATE INDEX sm_dag ON sla_miss USING btree (dag_id);
CREATE INDEX ti_dag_run ON task_instance USING btree (dag_id, run_id);
CREATE INDEX ti_dag_state ON task_instance USING btree (dag_id, state);
CREATE INDEX ti_job_id ON task_instance USING btree (job_id);
CREATE INDEX ti_pool ON task_instance USING btree (pool, state, priority_weight);
CREATE INDEX ti_state ON task_instance USING btree (state);
CREATE INDEX ti_state_lkp ON task_instance USING btree (dag_id, task_id, run_id, state);
CREATE INDEX ti_trigger_id ON task_instance USING btree (trigger_id);
ALTER TABLE ONLY ab_permission_view
    ADD CONSTRAINT ab_permission_view_permission_id_fkey FOREIGN KEY (permission_id) REFERENCES ab_permission(id);
ALTER TABLE ONLY ab_permission_view_role
    ADD CONSTRAINT ab_permission_view_role_permission_view_id_fkey FOREIGN KEY (permission_view_id) REFERENCES ab_permission_view(id);
ALTER TABLE ONLY ab_permission_view_role
    ADD CONSTRAINT ab_permission_view_role_role_id_fkey FOREIGN KEY (role_id) REFERENCES ab_role(id);
ALTER TABLE ONLY ab_permission_view
    ADD CONSTRAINT ab_permission_view_view_menu_id_fkey FOREIGN KEY (view_menu_id) REFERENCES ab_view_menu(id);
ALTER TABLE ONLY ab_user
    ADD CONSTRAINT ab_user_changed_by_fk_fkey FOREIGN KEY (changed_by_fk) REFERENCES ab_user(id);
ALTER TABLE ONLY ab_user
    ADD CONSTRAINT ab_user_created_by_fk_fkey FOREIGN KEY (created_by_fk) REFERENCES ab_user(id);
ALTER TABLE ONLY ab_user_role
    ADD CONSTRAINT ab_user_role_role_id_fkey FOREIGN KEY (role_id) REFERENCES ab_role(id);
ALTER TABLE ONLY ab_user_role
    ADD CONSTRAINT ab_user_role_user_id_fkey FOREIGN KEY (user_id) REFERENCES ab_user(id);
ALTER TABLE ONLY dag_owner_attributes
    ADD CONSTRAINT "dag.dag_id" FOREIGN KEY (dag_id) REFERENCES dag(dag_id) ON DELETE CASCADE;
ALTER TABLE ONLY dag_run_note
    ADD CONSTRAINT dag_run_note_dr_fkey FOREIGN KEY (dag_run_id) REFERENCES dag_run(id) ON DELETE CASCADE;
ALTER TABLE ONLY dag_run_note
    ADD CONSTRAINT dag_run_note_user_fkey FOREIGN KEY (user_id) REFERENCES ab_user(id);
ALTER TABLE ONLY dag_tag
    ADD CONSTRAINT dag_tag_dag_id_fkey FOREIGN KEY (dag_id) REFERENCES dag(dag_id) ON DELETE CASCADE;
ALTER TABLE ONLY dagrun_dataset_event
    ADD CONSTRAINT dagrun_dataset_event_dag_run_id_fkey FOREIGN KEY (dag_run_id) REFERENCES dag_run(id) ON DELETE CASCADE;
ALTER TABLE ONLY dagrun_dataset_event
    ADD CONSTRAINT dagrun_dataset_event_event_id_fkey FOREIGN KEY (event_id) REFERENCES dataset_event(id) ON DELETE CASCADE;
ALTER TABLE ONLY dataset_alias_dataset
    ADD CONSTRAINT dataset_alias_dataset_alias_id_fkey FOREIGN KEY (alias_id) REFERENCES dataset_alias(id) ON DELETE CASCADE;
ALTER TABLE ONLY dataset_alias_dataset
    ADD CONSTRAINT dataset_alias_dataset_dataset_id_fkey FOREIGN KEY (dataset_id) REFERENCES dataset(id) ON DELETE CASCADE;
ALTER TABLE ONLY dataset_alias_dataset_event
    ADD CONSTRAINT dataset_alias_dataset_event_alias_id_fkey FOREIGN KEY (alias_id) REFERENCES dataset_alias(id) ON DELETE CASCADE;
ALTER TABLE ONLY dataset_alias_dataset_event
    ADD CONSTRAINT dataset_alias_dataset_event_event_id_fkey FOREIGN KEY (event_id) REFERENCES dataset_event(id) ON DELETE CASCADE;
ALTER TABLE ONLY dag_warning
    ADD CONSTRAINT dcw_dag_id_fkey FOREIGN KEY (dag_id) REFERENCES dag(dag_id) ON DELETE CASCADE;
ALTER TABLE ONLY dataset_dag_run_queue
    ADD CONSTRAINT ddrq_dag_fkey FOREIGN KEY (target_dag_id) REFERENCES dag(dag_id) ON DELETE CASCADE;
ALTER TABLE ONLY dataset_dag_run_queue
    ADD CONSTRAINT ddrq_dataset_fkey FOREIGN KEY (dataset_id) REFERENCES dataset(id) ON DELETE CASCADE;
ALTER TABLE ONLY dataset_alias_dataset
    ADD CONSTRAINT ds_dsa_alias_id FOREIGN KEY (alias_id) REFERENCES dataset_alias(id) ON DELETE CASCADE;
ALTER TABLE ONLY dataset_alias_dataset
    ADD CONSTRAINT ds_dsa_dataset_id FOREIGN KEY (dataset_id) REFERENCES dataset(id) ON DELETE CASCADE;
ALTER TABLE ONLY dag_schedule_dataset_alias_reference
    ADD CONSTRAINT dsdar_dag_id_fkey FOREIGN KEY (dag_id) REFERENCES dag(dag_id) ON DELETE CASCADE;
ALTER TABLE ONLY dag_schedule_dataset_alias_reference
    ADD CONSTRAINT dsdar_dataset_alias_fkey FOREIGN KEY (alias_id) REFERENCES dataset_alias(id) ON DELETE CASCADE;
ALTER TABLE ONLY dag_schedule_dataset_reference
    ADD CONSTRAINT dsdr_dag_id_fkey FOREIGN KEY (dag_id) REFERENCES dag(dag_id) ON DELETE CASCADE;
ALTER TABLE ONLY dag_schedule_dataset_reference
    ADD CONSTRAINT dsdr_dataset_fkey FOREIGN KEY (dataset_id) REFERENCES dataset(id) ON DELETE CASCADE;
ALTER TABLE ONLY dataset_alias_dataset_event
    ADD CONSTRAINT dss_de_alias_id FOREIGN KEY (alias_id) REFERENCES dataset_alias(id) ON DELETE CASCADE;
ALTER TABLE ONLY dataset_alias_dataset_event
    ADD CONSTRAINT dss_de_event_id FOREIGN KEY (event_id) REFERENCES dataset_event(id) ON DELETE CASCADE;
ALTER TABLE ONLY rendered_task_instance_fields
    ADD CONSTRAINT rtif_ti_fkey FOREIGN KEY (dag_id, task_id, run_id, map_index) REFERENCES task_instance(dag_id, task_id, run_id, map_index) ON DELETE CASCADE;
ALTER TABLE ONLY task_fail
    ADD CONSTRAINT task_fail_ti_fkey FOREIGN KEY (dag_id, task_id, run_id, map_index) REFERENCES task_instance(dag_id, task_id, run_id, map_index) ON DELETE CASCADE;
ALTER TABLE ONLY task_instance
    ADD CONSTRAINT task_instance_dag_run_fkey FOREIGN KEY (dag_id, run_id) REFERENCES dag_run(dag_id, run_id) ON DELETE CASCADE;
ALTER TABLE ONLY task_instance_history
    ADD CONSTRAINT task_instance_history_ti_fkey FOREIGN KEY (dag_id, task_id, run_id, map_index) REFERENCES task_instance(dag_id, task_id, run_id, map_index) ON UPDATE CASCADE ON DELETE CASCADE;
ALTER TABLE ONLY dag_run
    ADD CONSTRAINT task_instance_log_template_id_fkey FOREIGN KEY (log_template_id) REFERENCES log_template(id);
ALTER TABLE ONLY task_instance_note
    ADD CONSTRAINT task_instance_note_ti_fkey FOREIGN KEY (dag_id, task_id, run_id, map_index) REFERENCES task_instance(dag_id, task_id, run_id, map_index) ON DELETE CASCADE;
ALTER TABLE ONLY task_instance_note
    ADD CONSTRAINT task_instance_note_user_fkey FOREIGN KEY (user_id) REFERENCES ab_user(id);
ALTER TABLE ONLY task_instance
    ADD CONSTRAINT task_instance_trigger_id_fkey FOREIGN KEY (trigger_id) REFERENCES trigger(id) ON DELETE CASCADE;
ALTER TABLE ONLY task_map
    ADD CONSTRAINT task_map_task_instance_fkey FOREIGN KEY (dag_id, task_id, run_id, map_index) REFERENCES task_instance(dag_id, task_id, run_id, map_index) ON UPDATE CASCADE ON DELETE CASCADE;
ALTER TABLE ONLY task_reschedule
    ADD CONSTRAINT task_reschedule_dr_fkey FOREIGN KEY (dag_id, run_id) REFERENCES dag_run(dag_id, run_id) ON DELETE CASCADE;
ALTER TABLE ONLY task_reschedule
    ADD CONSTRAINT task_reschedule_ti_fkey FOREIGN KEY (dag_id, task_id, run_id, map_index) REFERENCES task_instance(dag_id, task_id, run_id, map_index) ON DELETE CASCADE;
ALTER TABLE ONLY task_outlet_dataset_reference
    ADD CONSTRAINT todr_dag_id_fkey FOREIGN KEY (dag_id) REFERENCES dag(dag_id) ON DELETE CASCADE;
ALTER TABLE ONLY task_outlet_dataset_reference
    ADD CONSTRAINT todr_dataset_fkey FOREIGN KEY (dataset_id) REFERENCES dataset(id) ON DELETE CASCADE;
ALTER TABLE ONLY xcom
    ADD CONSTRAINT xcom_task_instance_fkey FOREIGN KEY (dag_id, task_id, run_id, map_index) REFERENCES task_instance(dag_id, task_id, run_id, map_index) ON DELETE CASCADE;
