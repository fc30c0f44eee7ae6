-- A small online shop, in DuckDB's own dialect (the reference the other three files match).
-- Tables: customers, addresses, categories, products, product_categories, orders, order_items.

CREATE TYPE order_status AS ENUM ('pending', 'paid', 'shipped', 'delivered', 'cancelled');

CREATE TABLE customers (
    customer_id  INTEGER PRIMARY KEY,
    email        VARCHAR(255) NOT NULL UNIQUE CHECK (email LIKE '%_@_%'),
    full_name    VARCHAR(120) NOT NULL,
    birth_date   DATE CHECK (birth_date >= DATE '1900-01-01'),
    is_business  BOOLEAN NOT NULL DEFAULT FALSE,
    created_at   TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    -- DuckDB only: nested columns
    tags         VARCHAR[],
    preferences  STRUCT(newsletter BOOLEAN, language VARCHAR),
    profile      JSON
);

CREATE TABLE addresses (
    address_id    INTEGER PRIMARY KEY,
    customer_id   INTEGER NOT NULL REFERENCES customers (customer_id),
    line1         VARCHAR(200) NOT NULL,
    city          VARCHAR(100) NOT NULL,
    postal_code   VARCHAR(16),
    country_code  CHAR(2) NOT NULL CHECK (length(country_code) = 2)
);

CREATE TABLE categories (
    category_id  INTEGER PRIMARY KEY,
    parent_id    INTEGER REFERENCES categories (category_id),
    name         VARCHAR(80) NOT NULL UNIQUE,
    slug         VARCHAR(80) NOT NULL
);

CREATE TABLE products (
    product_id    INTEGER PRIMARY KEY,
    sku           VARCHAR(32) NOT NULL UNIQUE,
    name          VARCHAR(200) NOT NULL,
    price         DECIMAL(10, 2) NOT NULL CHECK (price >= 0),
    weight_grams  INTEGER CHECK (weight_grams BETWEEN 1 AND 100000),
    is_active     BOOLEAN NOT NULL DEFAULT TRUE,
    launched_on   DATE
);

-- many-to-many bridge between products and categories
CREATE TABLE product_categories (
    product_id   INTEGER NOT NULL REFERENCES products (product_id),
    category_id  INTEGER NOT NULL REFERENCES categories (category_id),
    PRIMARY KEY (product_id, category_id)
);

CREATE TABLE orders (
    order_id             INTEGER PRIMARY KEY,
    customer_id          INTEGER NOT NULL REFERENCES customers (customer_id),
    billing_address_id   INTEGER NOT NULL REFERENCES addresses (address_id),
    shipping_address_id  INTEGER REFERENCES addresses (address_id),  -- NULL: ship to billing
    status               order_status NOT NULL DEFAULT 'pending',
    payment_method       VARCHAR(20) NOT NULL CHECK (payment_method IN ('card', 'paypal', 'invoice')),
    ordered_at           TIMESTAMP NOT NULL,
    delivered_on         DATE,
    CHECK (delivered_on IS NULL OR delivered_on >= CAST(ordered_at AS DATE))
);

CREATE TABLE order_items (
    order_id    INTEGER NOT NULL REFERENCES orders (order_id),
    line_no     SMALLINT NOT NULL CHECK (line_no >= 1),
    product_id  INTEGER NOT NULL REFERENCES products (product_id),
    quantity    INTEGER NOT NULL CHECK (quantity > 0 AND quantity <= 999),
    unit_price  DECIMAL(10, 2) NOT NULL,
    PRIMARY KEY (order_id, line_no),
    UNIQUE (order_id, product_id)
);

CREATE INDEX orders_by_customer ON orders (customer_id, ordered_at);
