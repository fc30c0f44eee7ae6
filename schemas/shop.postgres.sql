--
-- PostgreSQL database dump (hand-written in pg_dump's layout: bare CREATE TABLEs first,
-- keys and foreign keys added afterwards with ALTER TABLE ... ADD CONSTRAINT)
--

SET statement_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;

SET default_tablespace = '';

--
-- Name: order_status; Type: TYPE; Schema: public; Owner: shop
--

CREATE TYPE public.order_status AS ENUM (
    'pending',
    'paid',
    'shipped',
    'delivered',
    'cancelled'
);

ALTER TYPE public.order_status OWNER TO shop;

--
-- Name: customers; Type: TABLE; Schema: public; Owner: shop
--

CREATE TABLE public.customers (
    customer_id integer NOT NULL,
    email character varying(255) NOT NULL,
    full_name character varying(120) NOT NULL,
    birth_date date,
    is_business boolean DEFAULT false NOT NULL,
    created_at timestamp without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    tags text[],
    profile jsonb,
    CONSTRAINT customers_email_check CHECK (((email)::text ~~ '%_@_%'::text)),
    CONSTRAINT customers_birth_date_check CHECK ((birth_date >= '1900-01-01'::date))
);

ALTER TABLE public.customers OWNER TO shop;

COMMENT ON TABLE public.customers IS 'People and companies who can place orders';

CREATE SEQUENCE public.customers_customer_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.customers_customer_id_seq OWNED BY public.customers.customer_id;

--
-- Name: addresses; Type: TABLE; Schema: public; Owner: shop
--

CREATE TABLE public.addresses (
    address_id integer NOT NULL,
    customer_id integer NOT NULL,
    line1 character varying(200) NOT NULL,
    city character varying(100) NOT NULL,
    postal_code character varying(16),
    country_code character(2) NOT NULL,
    CONSTRAINT addresses_country_code_check CHECK ((length(country_code) = 2))
);

--
-- Name: categories; Type: TABLE; Schema: public; Owner: shop
--

CREATE TABLE public.categories (
    category_id integer NOT NULL,
    parent_id integer,
    name character varying(80) NOT NULL,
    slug character varying(80) NOT NULL
);

--
-- Name: products; Type: TABLE; Schema: public; Owner: shop
--

CREATE TABLE public.products (
    product_id integer NOT NULL,
    sku character varying(32) NOT NULL,
    name character varying(200) NOT NULL,
    price numeric(10,2) NOT NULL,
    weight_grams integer,
    is_active boolean DEFAULT true NOT NULL,
    launched_on date,
    CONSTRAINT products_price_check CHECK ((price >= (0)::numeric)),
    CONSTRAINT products_weight_grams_check CHECK (((weight_grams >= 1) AND (weight_grams <= 100000)))
);

--
-- Name: product_categories; Type: TABLE; Schema: public; Owner: shop
--

CREATE TABLE public.product_categories (
    product_id integer NOT NULL,
    category_id integer NOT NULL
);

--
-- Name: orders; Type: TABLE; Schema: public; Owner: shop
--

CREATE TABLE public.orders (
    order_id integer NOT NULL,
    customer_id integer NOT NULL,
    billing_address_id integer NOT NULL,
    shipping_address_id integer,
    status public.order_status DEFAULT 'pending'::public.order_status NOT NULL,
    payment_method character varying(20) NOT NULL,
    ordered_at timestamp without time zone NOT NULL,
    delivered_on date,
    CONSTRAINT orders_check CHECK (((delivered_on IS NULL) OR (delivered_on >= (ordered_at)::date))),
    CONSTRAINT orders_payment_method_check CHECK (((payment_method)::text = ANY ((ARRAY['card'::character varying, 'paypal'::character varying, 'invoice'::character varying])::text[])))
);

--
-- Name: order_items; Type: TABLE; Schema: public; Owner: shop
--

CREATE TABLE public.order_items (
    order_id integer NOT NULL,
    line_no smallint NOT NULL,
    product_id integer NOT NULL,
    quantity integer NOT NULL,
    unit_price numeric(10,2) NOT NULL,
    CONSTRAINT order_items_line_no_check CHECK ((line_no >= 1)),
    CONSTRAINT order_items_quantity_check CHECK (((quantity > 0) AND (quantity <= 999)))
);

ALTER TABLE ONLY public.customers ALTER COLUMN customer_id SET DEFAULT nextval('public.customers_customer_id_seq'::regclass);

--
-- Data for Name: categories; Type: TABLE DATA; Schema: public; Owner: shop
--

INSERT INTO public.categories (category_id, parent_id, name, slug) VALUES (1, NULL, 'Books', 'books');

--
-- Name: addresses addresses_pkey; Type: CONSTRAINT; Schema: public; Owner: shop
--

ALTER TABLE ONLY public.addresses
    ADD CONSTRAINT addresses_pkey PRIMARY KEY (address_id);

ALTER TABLE ONLY public.categories
    ADD CONSTRAINT categories_name_key UNIQUE (name);

ALTER TABLE ONLY public.categories
    ADD CONSTRAINT categories_pkey PRIMARY KEY (category_id);

ALTER TABLE ONLY public.customers
    ADD CONSTRAINT customers_email_key UNIQUE (email);

ALTER TABLE ONLY public.customers
    ADD CONSTRAINT customers_pkey PRIMARY KEY (customer_id);

ALTER TABLE ONLY public.order_items
    ADD CONSTRAINT order_items_order_id_product_id_key UNIQUE (order_id, product_id);

ALTER TABLE ONLY public.order_items
    ADD CONSTRAINT order_items_pkey PRIMARY KEY (order_id, line_no);

ALTER TABLE ONLY public.orders
    ADD CONSTRAINT orders_pkey PRIMARY KEY (order_id);

ALTER TABLE ONLY public.product_categories
    ADD CONSTRAINT product_categories_pkey PRIMARY KEY (product_id, category_id);

ALTER TABLE ONLY public.products
    ADD CONSTRAINT products_pkey PRIMARY KEY (product_id);

ALTER TABLE ONLY public.products
    ADD CONSTRAINT products_sku_key UNIQUE (sku);

--
-- Name: orders_by_customer; Type: INDEX; Schema: public; Owner: shop
--

CREATE INDEX orders_by_customer ON public.orders USING btree (customer_id, ordered_at);

--
-- Foreign keys
--

ALTER TABLE ONLY public.addresses
    ADD CONSTRAINT addresses_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES public.customers(customer_id) ON DELETE CASCADE;

ALTER TABLE ONLY public.categories
    ADD CONSTRAINT categories_parent_id_fkey FOREIGN KEY (parent_id) REFERENCES public.categories(category_id) ON DELETE SET NULL;

ALTER TABLE ONLY public.order_items
    ADD CONSTRAINT order_items_order_id_fkey FOREIGN KEY (order_id) REFERENCES public.orders(order_id) ON DELETE CASCADE;

ALTER TABLE ONLY public.order_items
    ADD CONSTRAINT order_items_product_id_fkey FOREIGN KEY (product_id) REFERENCES public.products(product_id);

ALTER TABLE ONLY public.orders
    ADD CONSTRAINT orders_billing_address_id_fkey FOREIGN KEY (billing_address_id) REFERENCES public.addresses(address_id);

ALTER TABLE ONLY public.orders
    ADD CONSTRAINT orders_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES public.customers(customer_id);

ALTER TABLE ONLY public.orders
    ADD CONSTRAINT orders_shipping_address_id_fkey FOREIGN KEY (shipping_address_id) REFERENCES public.addresses(address_id);

ALTER TABLE ONLY public.product_categories
    ADD CONSTRAINT product_categories_category_id_fkey FOREIGN KEY (category_id) REFERENCES public.categories(category_id) ON DELETE CASCADE;

ALTER TABLE ONLY public.product_categories
    ADD CONSTRAINT product_categories_product_id_fkey FOREIGN KEY (product_id) REFERENCES public.products(product_id) ON DELETE CASCADE;

--
-- PostgreSQL database dump complete
--
